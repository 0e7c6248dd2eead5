// Overload and database faults: what clients see when the pool is exhausted, when PostgreSQL freezes
// (a TCP proxy that stops forwarding but keeps its sockets open, as a SIGSTOPped server does), drops
// its connections or refuses new ones, and how fast service comes back. Fault tests need PostgreSQL
// (DATABASE_URL, the CI pass); the overload test also runs on the embedded PGlite.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdministratorKey } from '../../server/api-keys/store.ts';
import { asSystem } from '../../server/platform/database/tenancy.ts';
import { createRuntime } from '../../server/runtime.ts';
import { loadConfig } from '../../server/platform/config.ts';
import { openDatabase, type Database } from '../../server/platform/database/connection.ts';
import { prepareDatabase } from '../../server/platform/database/prepare.ts';
import { createLogger } from '../../server/platform/logging.ts';
import { migratedPgliteImage } from '../helpers/database-template.ts';
import { createFixtures, createProject, startTestServer, type TestServer } from '../helpers/server.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';
import { until } from '../helpers/wait.ts';

const DATABASE_URL = process.env.DATABASE_URL;

interface Outcome { status: number; ms: number; retryAfter: string | null; body: unknown; error?: string }

interface FaultApp {
  baseUrl: string;
  db: Database;
  /** Sends one request with the key; never throws: a transport failure is status 0. */
  call(method: string, path: string, json?: unknown): Promise<Outcome>;
  close(): Promise<void>;
}

/**
 * The app on its own database handle, configured by `env` (pool size, queue limit, timeouts). Without
 * `key` the database is prepared first and a key created for it.
 */
async function startFaultApp(env: Record<string, string>, key?: string): Promise<FaultApp> {
  const config = loadConfig({ ...process.env, VALIDATE_RESPONSES: 'true', ...env });
  // A new in-memory PGlite starts as a copy of the run's migrated database.
  const db = await openDatabase({ ...config, pgliteLoadDataDir: config.databaseUrl ? undefined : await migratedPgliteImage() });
  if (key === undefined) {
    await prepareDatabase(db, config.adminEmail);
    key = (await createAdministratorKey(db.prisma, 'faults')).key;
  }
  const { app } = await createRuntime({ config, db, logger: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'), jobQueue: false });
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    baseUrl,
    db,
    async call(method, path, json) {
      const started = performance.now();
      try {
        const response = await fetch(baseUrl + path, {
          method,
          headers: { authorization: `Bearer ${key}`, ...(json === undefined ? {} : { 'content-type': 'application/json' }) },
          body: json === undefined ? undefined : JSON.stringify(json),
        });
        const text = await response.text();
        let body: unknown = text;
        try { body = JSON.parse(text); } catch { /* keep the text */ }
        return { status: response.status, ms: performance.now() - started, retryAfter: response.headers.get('retry-after'), body };
      } catch (error) {
        return { status: 0, ms: performance.now() - started, retryAfter: null, body: undefined, error: String(error) };
      }
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await Promise.race([db.close(), new Promise((resolve) => setTimeout(resolve, 2000))]);
    },
  };
}

function countBy(outcomes: Outcome[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const o of outcomes) counts[o.status] = (counts[o.status] ?? 0) + 1;
  return counts;
}

/** Every 503 is in the error format and says when to retry. */
function expectProper503s(outcomes: Outcome[]): void {
  for (const o of outcomes.filter((x) => x.status === 503)) {
    expect(Number(o.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(o.body).toEqual({ message: expect.any(String) });
  }
}

const max = (values: number[]) => Math.round(Math.max(0, ...values));

describe('overload on the embedded PGlite (one connection)', () => {
  it('requests queued behind a long transaction: 503 with Retry-After, at once beyond the queue limit, never 500', async () => {
    const app = await startFaultApp({ DATABASE_URL: '', PGLITE_DATA_DIR: 'memory://', DATABASE_CONNECT_TIMEOUT_MS: '500', DATABASE_QUEUE_LIMIT: '10' });
    try {
      const client = await app.call('POST', '/api/clients', { client_company_name: 'Acme' });
      const category = await app.call('POST', '/api/categories', { category_name: 'Development' });
      const project = await app.call('POST', '/api/projects', {
        project_clientid: (client.body as { data: { id: number } }).data.id,
        project_categoryid: (category.body as { data: { id: number } }).data.id,
        project_title: 'Source', project_date_start: '2026-06-01',
      });
      const id = (project.body as { data: { id: number } }).data.id;
      // PGlite's single connection is held by one long transaction (a slow import, say) until 29 of
      // the 40 clones have their answer: however slowly they arrive, at most capacity + queue limit
      // (1 + 10) are admitted at a time, so 29 are refused, and none can have been served before.
      let holding!: () => void;
      const held = new Promise<void>((resolve) => { holding = resolve; });
      let answered = 0;
      let release!: () => void;
      const released = new Promise<void>((resolve) => { release = resolve; });
      const longTransaction = app.db.prisma.$transaction(async (tx) => {
        await tx.$queryRaw`SELECT 1`;
        holding();
        await released;
      }, { timeout: 600_000 });
      await held;
      const outcomes = await Promise.all(Array.from({ length: 40 }, async (_, i) => {
        const outcome = await app.call('POST', `/api/projects/${id}/clone`, { project_title: `clone ${i}` });
        if (++answered === 29) release();
        return outcome;
      }));
      await longTransaction;
      const counts = countBy(outcomes);
      const shed = outcomes.filter((o) => o.status === 503 && o.ms < 400).length;
      console.log('PGlite clones behind a long transaction', counts, 'shed at once', shed, 'max ms', max(outcomes.map((o) => o.ms)));
      for (const status of Object.keys(counts).map(Number)) expect([201, 503]).toContain(status);
      expect(counts[503]).toBeGreaterThanOrEqual(29);
      expectProper503s(outcomes);
      expect((await app.call('POST', `/api/projects/${id}/clone`, { project_title: 'after' })).status).toBe(201);
    } finally {
      await app.close();
    }
  });

  it('readiness on PGlite waits for its one connection: 503 within 2 s while a transaction holds it, 200 once it ends', async () => {
    const app = await startFaultApp({ DATABASE_URL: '', PGLITE_DATA_DIR: 'memory://' });
    try {
      expect((await app.call('GET', '/readyz')).status).toBe(200);
      let holding!: () => void;
      let release!: () => void;
      const held = new Promise<void>((resolve) => { holding = resolve; });
      const released = new Promise<void>((resolve) => { release = resolve; });
      const transaction = app.db.prisma.$transaction(async (tx) => {
        await tx.$queryRaw`SELECT 1`;
        holding();
        await released;
      }, { timeout: 60_000 });
      await held;
      const whileHeld = await app.call('GET', '/readyz');
      release();
      await transaction;
      const after = await app.call('GET', '/readyz');
      console.log('PGlite readiness: while a transaction holds the connection', whileHeld.status, Math.round(whileHeld.ms), 'ms; after', after.status, Math.round(after.ms), 'ms');
      expect(whileHeld.status).toBe(503);
      expect(whileHeld.ms).toBeLessThan(2000);
      expect(after.status).toBe(200);
    } finally {
      await app.close();
    }
  });
});

// Registered only in the PostgreSQL pass of the suite (CI runs it), so the PGlite pass has nothing skipped.
if (DATABASE_URL) describe('PostgreSQL under overload and faults (through a TCP proxy)', () => {
  let t: TestServer;
  let proxy: TcpProxy;
  let projectId: number;
  beforeAll(async () => {
    t = await startTestServer();
    const f = await createFixtures(t);
    const project = await createProject(t, f);
    for (let i = 0; i < 5; i += 1) await t.api('POST', `/api/projects/${project.id}/tasks`, { json: { task_title: `task ${i}` } });
    projectId = project.id;
    const target = new URL(DATABASE_URL!);
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
  });
  afterAll(async () => {
    await proxy?.close();
    await t?.close();
  });

  it('100 concurrent clones at DATABASE_POOL_SIZE=2: no 500, every refusal a 503 with Retry-After', async () => {
    const app = await startFaultApp({ DATABASE_URL: proxy.url(DATABASE_URL!), DATABASE_POOL_SIZE: '2' }, t.key);
    try {
      const outcomes = await Promise.all(Array.from({ length: 100 }, (_, i) =>
        app.call('POST', `/api/projects/${projectId}/clone`, { project_title: `clone ${i}`, copy_tasks: 'on' })));
      const counts = countBy(outcomes);
      console.log('clones', counts, 'max ms', max(outcomes.map((o) => o.ms)));
      expect(counts[201]).toBeGreaterThan(0);
      for (const status of Object.keys(counts).map(Number)) expect([201, 503]).toContain(status);
      expectProper503s(outcomes);
    } finally {
      await app.close();
    }
  });

  it('400 concurrent searches at DATABASE_POOL_SIZE=2: the queue is bounded, the excess is refused at once', async () => {
    const app = await startFaultApp({ DATABASE_URL: proxy.url(DATABASE_URL!), DATABASE_POOL_SIZE: '2' }, t.key);
    try {
      const outcomes = await Promise.all(Array.from({ length: 400 }, () => app.call('GET', '/api/projects?search=Website&limit=25')));
      const counts = countBy(outcomes);
      const shed = outcomes.filter((o) => o.status === 503);
      console.log('searches', counts, 'max ms 200', max(outcomes.filter((o) => o.status === 200).map((o) => o.ms)), 'max ms 503', max(shed.map((o) => o.ms)));
      for (const status of Object.keys(counts).map(Number)) expect([200, 503]).toContain(status);
      expectProper503s(outcomes);
    } finally {
      await app.close();
    }
  });

  it('/readyz at DATABASE_POOL_SIZE=2 with every pool connection waiting on a row lock: 200 at once; 503 within 2 s when the database freezes; 200 when it resumes', async () => {
    // Long database timeouts: the writes keep their pool connections for as long as the lock is held.
    const app = await startFaultApp({
      DATABASE_URL: proxy.url(DATABASE_URL!), DATABASE_POOL_SIZE: '2',
      DATABASE_QUERY_TIMEOUT_MS: '60000', DATABASE_TRANSACTION_TIMEOUT_MS: '60000', DATABASE_CONNECT_TIMEOUT_MS: '60000',
    }, t.key);
    // Straight to PostgreSQL, not through the proxy: the lock outlives the freeze.
    const holder = new pg.Client({ connectionString: DATABASE_URL });
    await holder.connect();
    let writes: Promise<Outcome[]> | undefined;
    try {
      expect((await app.call('GET', '/readyz')).status).toBe(200);
      await holder.query('BEGIN');
      await holder.query('SELECT id FROM projects WHERE id = $1 FOR UPDATE', [projectId]);
      writes = Promise.all(Array.from({ length: 6 }, (_, i) => app.call('POST', `/api/projects/${projectId}/tasks`, { task_title: `behind the lock ${i}` })));
      // Both pool connections wait on the lock and the other writes wait for a connection.
      const saturated = () => app.db.pool!.stats().inUse === 2 && app.db.pool!.stats().waiting >= 1;
      // As the system: the server's role sees no other session's state.
      const lockWaits = async () => Number((await asSystem(() => t.db.prisma.$queryRaw<{ n: bigint }[]>`
        SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`))[0]!.n);
      await until('both pool connections waiting on the lock and a write waiting for one', async () => saturated() && (await lockWaits()) >= 2);
      const busy = [];
      for (let i = 0; i < 3; i += 1) busy.push(await app.call('GET', '/readyz'));
      console.log('readyz with the pool saturated', busy.map((o) => `${o.status} ${Math.round(o.ms)} ms`));
      for (const o of busy) expect(o.status).toBe(200);
      expect(max(busy.map((o) => o.ms))).toBeLessThan(2000);
      expect(saturated()).toBe(true);
      proxy.pause();
      const frozen = await app.call('GET', '/readyz');
      proxy.resume();
      const resumedAt = performance.now();
      let back: Outcome | undefined;
      while (back?.status !== 200 && performance.now() - resumedAt < 10_000) back = await app.call('GET', '/readyz');
      console.log('readyz frozen', frozen.status, Math.round(frozen.ms), 'ms; 200 again', Math.round(performance.now() - resumedAt), 'ms after the database resumed');
      expect(frozen.status).toBe(503);
      expect(frozen.ms).toBeLessThan(2000);
      expect(back?.status).toBe(200);
      await holder.query('ROLLBACK');
      expect(countBy(await writes)).toEqual({ 201: 6 });
    } finally {
      proxy.resume();
      await holder.end();
      await writes;
      await app.close();
    }
  });

  it('a frozen database: API requests get 503 within 5 s, /readyz within 2 s, and service resumes by itself', async () => {
    const app = await startFaultApp({ DATABASE_URL: proxy.url(DATABASE_URL!), DATABASE_POOL_SIZE: '4' }, t.key);
    try {
      expect((await app.call('GET', '/readyz')).status).toBe(200);
      expect((await app.call('GET', `/api/projects/${projectId}`)).status).toBe(200);
      proxy.pause();
      const frozenAt = performance.now();
      const [ready, ...api] = await Promise.all([
        app.call('GET', '/readyz'),
        ...Array.from({ length: 6 }, () => app.call('GET', `/api/projects/${projectId}`)),
        ...Array.from({ length: 6 }, (_, i) => app.call('POST', `/api/projects/${projectId}/clone`, { project_title: `frozen ${i}` })),
        ...Array.from({ length: 6 }, () => app.call('PUT', `/api/projects/${projectId}/status`, { status: 'on_hold' })),
      ]);
      console.log('frozen: readyz', ready!.status, Math.round(ready!.ms), 'api', countBy(api), 'max ms', max(api.map((o) => o.ms)));
      expect(ready!.status).toBe(503);
      expect(ready!.ms).toBeLessThan(2000);
      expect(countBy(api)).toEqual({ 503: api.length });
      expect(max(api.map((o) => o.ms))).toBeLessThan(5000);
      expectProper503s(api);
      // Still frozen: later requests are refused just as fast.
      const later = await app.call('GET', `/api/projects/${projectId}`);
      expect(later.status).toBe(503);
      expect(later.ms).toBeLessThan(5000);
      proxy.resume();
      const resumedAt = performance.now();
      await until('service to resume by itself', async () => (await app.call('GET', `/api/projects/${projectId}`)).status === 200);
      console.log('frozen for', Math.round(resumedAt - frozenAt), 'ms; recovered after', Math.round(performance.now() - resumedAt), 'ms');
      expect((await app.call('GET', '/readyz')).status).toBe(200);
    } finally {
      proxy.resume();
      await app.close();
    }
  });

  it('a database that drops its connections and then refuses new ones: fast 503s, and back at once when it returns', async () => {
    const app = await startFaultApp({ DATABASE_URL: proxy.url(DATABASE_URL!), DATABASE_POOL_SIZE: '4' }, t.key);
    try {
      expect((await app.call('GET', `/api/projects/${projectId}`)).status).toBe(200);
      await proxy.refuse();
      proxy.drop();
      const down = await Promise.all([
        app.call('GET', '/readyz'),
        ...Array.from({ length: 5 }, () => app.call('GET', `/api/projects/${projectId}`)),
        ...Array.from({ length: 5 }, (_, i) => app.call('POST', `/api/projects/${projectId}/clone`, { project_title: `down ${i}` })),
      ]);
      console.log('refused: statuses', countBy(down), 'max ms', max(down.map((o) => o.ms)));
      expect(countBy(down)).toEqual({ 503: down.length });
      expect(max(down.map((o) => o.ms))).toBeLessThan(1000);
      expectProper503s(down.slice(1));
      await proxy.listen();
      // Back at once: the very first request after the database returns is served (no back-off or
      // broken connection held over from the outage), told by the answer rather than the clock.
      const back = await app.call('GET', `/api/projects/${projectId}`);
      console.log('refused: the first request after the return took', Math.round(back.ms), 'ms');
      expect(back.status).toBe(200);
      // Readiness had its own connection dropped too: it opens a new one.
      expect((await app.call('GET', '/readyz')).status).toBe(200);
    } finally {
      await proxy.listen();
      await app.close();
    }
  });

  it('a transaction cut off by a frozen database is rolled back, and its connection never serves another request', async () => {
    const app = await startFaultApp({ DATABASE_URL: proxy.url(DATABASE_URL!), DATABASE_POOL_SIZE: '1', DATABASE_QUERY_TIMEOUT_MS: '500', DATABASE_CONNECT_TIMEOUT_MS: '500' }, t.key);
    try {
      const name = `Frozen mid-transaction ${Date.now()}`;
      const cutOff = app.db.prisma.$transaction(async (tx) => {
        await tx.client.create({ data: { companyName: name } });
        proxy.pause();
        await tx.$queryRaw`SELECT 1`;
      });
      await expect(cutOff).rejects.toThrow();
      proxy.resume();
      // The only pooled connection serves the next requests: were it the old one, still inside the
      // transaction, these writes would join it.
      const created = await app.call('POST', '/api/clients', { client_company_name: `After ${name}` });
      expect(created.status).toBe(201);
      const direct = t.db.prisma;
      expect(await direct.client.count({ where: { companyName: name } })).toBe(0);
      expect(await direct.client.count({ where: { companyName: `After ${name}` } })).toBe(1);
      const stuck = await asSystem(() => direct.$queryRaw<{ n: bigint }[]>`
        SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'`);
      expect(Number(stuck[0]!.n)).toBe(0);
    } finally {
      proxy.resume();
      await app.close();
    }
  });
});
