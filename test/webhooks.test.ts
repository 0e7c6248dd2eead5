// Webhooks against a local receiver: signed deliveries of exactly the subscribed events, retries
// until the receiver recovers, disabling, redelivery, the SSRF guard, two instances delivering
// side by side, and a server killed (SIGKILL) before and during a delivery.
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhookSignature } from '../client/index.ts';
import { readFeed } from '../server/events/feed.ts';
import { killServerProcesses, migratedDataDir, spawnServer } from './helpers/process.ts';
import { startSibling, startTestServer, untilFeedCaughtUp, type TestServer } from './helpers/server.ts';
import { until } from './helpers/wait.ts';
import { WEBHOOK_URL_INTERNAL_MESSAGE } from '../server/core/messages.ts';

interface Received { id: string; timestamp: string; signature: string; body: string; event: any }

/** A webhook receiver on a free port: `answer` decides each request's status (or `'hang'`: no answer). */
async function startReceiver(answer: (request: Received, seen: Received[]) => number | 'hang' = () => 204) {
  const received: Received[] = [];
  const hanging: ServerResponse[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => {
      const request = {
        id: String(req.headers['webhook-id']), timestamp: String(req.headers['webhook-timestamp']),
        signature: String(req.headers['webhook-signature']), body, event: JSON.parse(body),
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
const fastRetries = {
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', WEBHOOK_RELAY_INTERVAL_MS: '100', WEBHOOK_TIMEOUT_MS: '60000',
  WEBHOOK_RETRY_DELAY_SECONDS: '1', WEBHOOK_RETRY_DELAY_MAX_SECONDS: '1', WEBHOOK_MAX_ATTEMPTS: '5', WEBHOOK_DISABLE_AFTER: '2',
};

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ jobs: true, env: fastRetries });
});
afterAll(async () => { await t?.close(); });
afterEach(killServerProcesses);

async function subscribe(server: TestServer, url: string, event_types?: string[]) {
  const created = await server.api('POST', '/api/webhooks', { json: { url, ...(event_types ? { event_types } : {}) } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.data as { id: number; secret: string };
}

/**
 * Every event so far has been handed to the subscriptions (the relay's cursor is at the end of the
 * feed; it moves in the transaction that creates the deliveries, so no later run hands them out
 * again) and every delivery of `hookId` has ended: `expected` of them, all delivered. From then on
 * nothing more can reach the receiver for these events: a duplicate would already be there.
 */
async function deliveriesSettled(server: TestServer, hookId: number, expected: number) {
  const [relay] = await server.db.prisma.$queryRaw<{ after: string }[]>`SELECT after FROM webhook_relay WHERE id = 1`;
  if ((await readFeed(server.db.prisma, { after: relay?.after || undefined, limit: 1, order: 'asc' })).length > 0) return false;
  const log = (await server.api('GET', `/api/webhooks/${hookId}/deliveries?order=asc&limit=100`)).body.data as { status: string }[];
  return log.length === expected && log.every((d) => d.status === 'delivered') && log;
}

async function newClient(server: TestServer, name: string) {
  return (await server.api('POST', '/api/clients', { json: { client_company_name: name } })).body.data;
}

describe('webhooks', () => {
  it('delivers exactly the subscribed events, each once, signed with the documented scheme', async () => {
    const receiver = await startReceiver();
    try {
      const hook = await subscribe(t, receiver.url, ['project.created', 'project.updated']);
      expect(hook.secret).toMatch(/^whsec_/);
      expect((await t.api('GET', `/api/webhooks/${hook.id}`)).body.data).not.toHaveProperty('secret');
      const client = await newClient(t, 'Hooked Inc');
      const category = (await t.api('POST', '/api/categories', { json: { category_name: 'Hooked' } })).body.data;
      const project = (await t.api('POST', '/api/projects', {
        json: { project_clientid: client.id, project_categoryid: category.id, project_title: 'Hooked', project_date_start: '2026-06-01' },
      })).body.data;
      await t.api('PATCH', `/api/projects/${project.id}`, { json: { project_title: 'Hooked 2' } });
      await t.api('PUT', `/api/projects/${project.id}/status`, { json: { status: 'on_hold' } });

      await untilFeedCaughtUp(t);
      const feed = (await t.api('GET', `/api/events?project_id=${project.id}&type=project.created,project.updated`)).body.data;
      await until('both deliveries made and nothing left to relay', () => deliveriesSettled(t, hook.id, 2));
      // Deliveries run side by side, so they may arrive in either order (the spec says so): by event id.
      receiver.received.sort((a, b) => Number(a.id) - Number(b.id));
      expect(receiver.received.map((r) => r.event.type)).toEqual(['project.created', 'project.updated']);
      expect(receiver.received.map((r) => r.event)).toEqual(feed);
      expect(receiver.received.map((r) => r.id)).toEqual(feed.map((e: { id: number }) => String(e.id)));
      for (const r of receiver.received) {
        expect(r.signature).toMatch(new RegExp(`^t=${r.timestamp},v1=[0-9a-f]{64}$`));
        expect(await verifyWebhookSignature({ secret: hook.secret, signature: r.signature, body: r.body })).toBe(true);
        expect(await verifyWebhookSignature({ secret: hook.secret, signature: r.signature, body: r.body.replace('Hooked', 'Hacked') })).toBe(false);
        expect(await verifyWebhookSignature({ secret: 'whsec_other', signature: r.signature, body: r.body })).toBe(false);
        // A replay: the same request, ten minutes later.
        expect(await verifyWebhookSignature({ secret: hook.secret, signature: r.signature, body: r.body, now: Number(r.timestamp) * 1000 + 600_000 })).toBe(false);
      }
      const log = (await t.api('GET', `/api/webhooks/${hook.id}/deliveries?order=asc`)).body.data;
      expect(log.map((d: any) => [d.event_type, d.status, d.attempts, d.last_status_code])).toEqual([
        ['project.created', 'delivered', 1, 204], ['project.updated', 'delivered', 1, 204],
      ]);

      const ping = await t.api('POST', `/api/webhooks/${hook.id}/ping`);
      expect(ping.body.data).toMatchObject({ ok: true, status_code: 204, error: null });
      const pinged = receiver.received.at(-1)!;
      expect(pinged.event).toMatchObject({ type: 'ping', data: { webhook_id: hook.id } });
      // The spec's Timestamp, with microseconds, as every event's occurred_at (it had three decimals).
      expect(pinged.event.occurred_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      expect(await verifyWebhookSignature({ secret: hook.secret, signature: pinged.signature, body: pinged.body })).toBe(true);
      expect((await t.api('DELETE', `/api/webhooks/${hook.id}`)).status).toBe(200);
    } finally {
      await receiver.close();
    }
  });

  it('retries a receiver that fails 3 times until it answers; one that keeps failing is disabled with a reason, then redelivered', async () => {
    let healthy = false;
    const receiver = await startReceiver((request, seen) => {
      if (request.event.data.company_name === 'Flaky') return seen.filter((r) => r.id === request.id).length < 3 ? 500 : 200;
      return healthy ? 200 : 503;
    });
    try {
      const hook = await subscribe(t, receiver.url, ['client.created']);
      await newClient(t, 'Flaky');
      const flaky = await until('the fourth attempt', () => receiver.received.filter((r) => r.event.data.company_name === 'Flaky').length === 4 && receiver.received);
      expect(new Set(flaky.map((r) => r.id)).size).toBe(1);
      const [delivered] = await until('the delivery recorded', async () => {
        const log = (await t.api('GET', `/api/webhooks/${hook.id}/deliveries?status=delivered`)).body.data;
        return log.length === 1 && log;
      });
      expect(delivered).toMatchObject({ attempts: 4, last_status_code: 200 });

      // Two deliveries that fail all 5 attempts: the subscription (WEBHOOK_DISABLE_AFTER=2) is disabled.
      await newClient(t, 'Down one');
      await newClient(t, 'Down two');
      const disabled = await until('the subscription disabled', async () => {
        const { data } = (await t.api('GET', `/api/webhooks/${hook.id}`)).body;
        return !data.enabled && data;
      });
      expect(disabled.disabled_reason).toBe('2 deliveries in a row failed; the last: the receiver answered 503');
      const failed = (await t.api('GET', `/api/webhooks/${hook.id}/deliveries?status=failed`)).body.data;
      expect(failed.map((d: any) => d.attempts)).toEqual([5, 5]);
      expect((await t.api('POST', `/api/webhooks/${hook.id}/deliveries/${failed[0].id}/redeliver`)).status).toBe(422);

      healthy = true;
      const enabled = (await t.api('PATCH', `/api/webhooks/${hook.id}`, { json: { enabled: true } })).body.data;
      expect(enabled).toMatchObject({ enabled: true, disabled_reason: null, consecutive_failures: 0 });
      const again = await t.api('POST', `/api/webhooks/${hook.id}/deliveries/${failed[0].id}/redeliver`);
      expect(again.status).toBe(201);
      await until('the redelivery', async () => (await t.api('GET', `/api/webhooks/${hook.id}/deliveries?status=delivered`)).body.data.length === 2);
      expect(receiver.received.at(-1)!.id).toBe(String(again.body.data.event_id));
      await t.api('DELETE', `/api/webhooks/${hook.id}`);
    } finally {
      await receiver.close();
    }
  });

  it('two instances delivering side by side deliver each event once', async () => {
    const receiver = await startReceiver();
    const other = await startSibling(t, { jobs: true, env: fastRetries });
    try {
      const hook = await subscribe(t, receiver.url, ['client.created']);
      const names = Array.from({ length: 20 }, (_, i) => `Pair ${i}`);
      await Promise.all(names.map((name, i) => newClient(i % 2 ? other : t, name)));
      await until('20 deliveries made and nothing left to relay', () => deliveriesSettled(t, hook.id, 20));
      expect(receiver.received.map((r) => r.event.data.company_name).sort()).toEqual([...names].sort());
      expect(new Set(receiver.received.map((r) => r.id)).size).toBe(20);
      await t.api('DELETE', `/api/webhooks/${hook.id}`);
    } finally {
      await other.close();
      await receiver.close();
    }
  });

  it('refuses URLs on internal networks unless WEBHOOK_ALLOW_PRIVATE_NETWORKS is true', async () => {
    const guarded = await startSibling(t, { env: { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'false' } });
    try {
      for (const url of ['http://127.0.0.1:8080/hook', 'http://localhost/hook', 'http://[::1]/hook', 'http://169.254.169.254/latest', 'http://10.1.2.3/', 'http://192.168.1.1/']) {
        const refused = await guarded.api('POST', '/api/webhooks', { json: { url } });
        expect(refused.status, url).toBe(422);
        expect(refused.body.errors.url).toEqual([WEBHOOK_URL_INTERNAL_MESSAGE]);
      }
      expect((await guarded.api('POST', '/api/webhooks', { json: { url: 'ftp://example.com/' } })).status).toBe(422);
    } finally {
      await guarded.close();
    }
  });
});

describe('webhooks across a killed server (embedded database, SIGKILL)', () => {
  it('an event committed before the kill, and one whose delivery the kill cut short, are delivered after a restart', async () => {
    const dataDir = await migratedDataDir();
    // A short WEBHOOK_TIMEOUT_MS makes the job of a delivery cut short by the kill expire soon (twice
    // the timeout + 5 s), so that the next instance retries it. A slow answer may then be retried
    // (at least once), so what follows goes by event, not by the count of requests received.
    const env = { ...process.env, ...fastRetries, WEBHOOK_TIMEOUT_MS: '2000', DATABASE_URL: '', PGLITE_DATA_DIR: dataDir, LOG_LEVEL: 'info' };
    const { stdout } = await promisify(execFile)('node_modules/.bin/tsx', ['scripts/keys.ts', 'create', 'webhooks'], { env });
    const key = stdout.trim().split('\n').at(-1)!;
    // While the second instance runs, its deliveries of "During the kill" get no answer, and the
    // first one kills it at once: the kill lands mid-delivery however slow the machine is.
    let killMidDelivery: (() => void) | undefined;
    const receiver = await startReceiver((request) => {
      if (request.event.data.company_name !== 'During the kill' || !killMidDelivery) return 200;
      killMidDelivery();
      return 'hang';
    });
    const received = (name: string) => receiver.received.filter((r) => r.event.data.company_name === name);
    const call = (port: number, method: string, path: string, json?: unknown) => fetch(`http://127.0.0.1:${port}${path}`, {
      method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: json === undefined ? undefined : JSON.stringify(json),
    }).then(async (r) => ({ status: r.status, body: await r.json() as any }));
    try {
      // Killed after the commit, before any relay: this instance runs no background jobs.
      const apiOnly = spawnServer({ ...env, BACKGROUND_JOBS: 'false' });
      let port = await apiOnly.listening;
      const hook = (await call(port, 'POST', '/api/webhooks', { url: receiver.url, event_types: ['client.created'] })).body.data;
      expect((await call(port, 'POST', '/api/clients', { client_company_name: 'Before the kill' })).status).toBe(201);
      apiOnly.child.kill('SIGKILL');
      await apiOnly.exited;
      expect(receiver.received).toEqual([]);

      const second = spawnServer(env);
      port = await second.listening;
      await until('the event committed before the kill', () => received('Before the kill').length > 0);

      // Killed mid-delivery: the receiver holds the request open and kills the sender.
      let killed = false;
      killMidDelivery = () => {
        killed = true;
        second.child.kill('SIGKILL');
      };
      expect((await call(port, 'POST', '/api/clients', { client_company_name: 'During the kill' })).status).toBe(201);
      await second.exited;
      expect(killed).toBe(true);
      const cutShort = received('During the kill');
      expect(cutShort.length).toBeGreaterThan(0);
      killMidDelivery = undefined;

      const third = spawnServer(env);
      port = await third.listening;
      await until('the cut-short delivery, again, answered', () => received('During the kill').length > cutShort.length);
      expect(new Set(received('During the kill').map((r) => r.id))).toEqual(new Set([cutShort[0]!.id]));
      expect(new Set(received('Before the kill').map((r) => r.id)).size).toBe(1);
      const log = await until('both deliveries recorded as delivered', async () => {
        const data = (await call(port, 'GET', `/api/webhooks/${hook.id}/deliveries?order=asc`)).body.data as { status: string }[];
        return data.every((d) => d.status === 'delivered') && data;
      });
      expect(log.map((d) => d.status)).toEqual(['delivered', 'delivered']);
      third.child.kill('SIGTERM');
      await third.exited;
    } finally {
      await receiver.close();
    }
  });
});
