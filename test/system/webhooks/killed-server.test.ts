// Webhooks across a killed server (SIGKILL) on the embedded database: an event committed before the
// kill, and a delivery the kill cut short, reach the receiver after a restart (processes of their own).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { killServerProcesses, migratedDataDir, spawnServer } from '../../helpers/process.ts';
import { until } from '../../helpers/wait.ts';
import { fastRetries, startReceiver } from '../../helpers/webhook-receiver.ts';

afterEach(killServerProcesses);

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
