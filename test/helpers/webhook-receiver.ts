// A local webhook receiver for the webhook tests, and the settings they run the sender with.
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { vi } from 'vitest';

export interface Received { id: string; timestamp: string; signature: string; headers: IncomingHttpHeaders; body: string; event: any }

/** A webhook receiver on a free port: `answer` decides each request's status (or `'hang'`: no answer). */
export async function startReceiver(answer: (request: Received, seen: Received[]) => number | 'hang' = () => 204) {
  const received: Received[] = [];
  const hanging: ServerResponse[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => {
      const request = {
        id: String(req.headers['webhook-id']), timestamp: String(req.headers['webhook-timestamp']),
        signature: String(req.headers['webhook-signature']), headers: req.headers, body, event: JSON.parse(body),
      };
      const status = answer(request, received);
      received.push(request);
      if (status === 'hang') hanging.push(res);
      else res.writeHead(status).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

// The receivers here answer at once, but this process also runs the server and its in-memory
// PGlite: on a busy machine the sender may read an answer seconds late. A short WEBHOOK_TIMEOUT_MS
// then abandons a delivery the receiver already has and retries it (at least once, as documented),
// which the "each once" tests would take for a duplicate. No test here is about the timeout.
export const fastRetries = {
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', WEBHOOK_RELAY_INTERVAL_MS: '100', WEBHOOK_TIMEOUT_MS: '60000',
  WEBHOOK_RETRY_DELAY_SECONDS: '1', WEBHOOK_RETRY_DELAY_MAX_SECONDS: '1', WEBHOOK_MAX_ATTEMPTS: '5', WEBHOOK_DISABLE_AFTER: '2',
};

/**
 * `verify` run with the clock at `at` (ms): Standard Webhooks libraries refuse a timestamp five
 * minutes from Date.now(). Synchronous, so nothing else in this process sees the clock moved.
 */
export function verifiedAt<T>(at: number, verify: () => T): T {
  vi.useFakeTimers({ toFake: ['Date'], now: at });
  try {
    return verify();
  } finally {
    vi.useRealTimers();
  }
}
