// /metrics: Prometheus text format, requests by operationId and status, latency histograms, the
// database pool and the process; served only when enabled, behind its token when one is set.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSibling, startTestServer, type TestServer } from '../../helpers/server.ts';
import { until } from '../../helpers/wait.ts';
import { METRICS_UNAUTHORIZED_MESSAGE } from '../../../server/core/messages.ts';

const token = 'scrape-token-0123456789';
let t: TestServer;

// Statements and waits for a connection are held by the pool test for as long as a busy machine
// takes to scrape them: no query or connection timeout may end them first.
beforeAll(async () => {
  t = await startTestServer({ env: { METRICS_ENABLED: 'true', METRICS_TOKEN: token, DATABASE_QUERY_TIMEOUT_MS: '600000', DATABASE_CONNECT_TIMEOUT_MS: '600000' } });
});
afterAll(async () => { await t?.close(); });

async function scrape(server: TestServer, authorization?: string) {
  const response = await fetch(`${server.baseUrl}/metrics`, { headers: authorization ? { authorization } : {} });
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
}

/** The value of one sample line, e.g. `http_request_duration_seconds_count{operation="getProject",…}`. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(match[3]);
  }
  return undefined;
}

describe('/metrics', () => {
  it('counts and times requests by operationId, method and status, refused ones included', async () => {
    await t.api('GET', '/api/projects');
    await t.api('GET', '/api/projects');
    await t.api('GET', '/api/projects/999999');
    await t.api('GET', '/api/projects/abc');
    await t.api('GET', '/api/projects', { auth: false });
    await t.api('GET', '/api/nowhere');
    const { status, type, text } = await scrape(t, `Bearer ${token}`);
    expect(status).toBe(200);
    expect(type).toMatch(/^text\/plain; version=0\.0\.4/);
    const count = (operation: string, code: string) =>
      sample(text, 'http_request_duration_seconds_count', { operation, method: 'GET', status: code });
    expect(count('listProjects', '200')).toBe(2);
    expect(count('getProject', '404')).toBe(1);
    expect(count('getProject', '422')).toBe(1);
    expect(count('listProjects', '401')).toBe(1);
    expect(count('unmatched', '404')).toBe(1);
    // A histogram: cumulative buckets up to +Inf, which holds every request, and the total time.
    const labels = { operation: 'listProjects', method: 'GET', status: '200' };
    expect(sample(text, 'http_request_duration_seconds_bucket', { ...labels, le: '+Inf' })).toBe(2);
    expect(sample(text, 'http_request_duration_seconds_sum', labels)).toBeGreaterThan(0);
    expect(text).toContain('# TYPE http_request_duration_seconds histogram');
  });

  it("reports the process's own metrics and the database pool", async () => {
    const { text } = await scrape(t, `Bearer ${token}`);
    expect(sample(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(sample(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(sample(text, 'nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'db_pool_connections_max')).toBe(t.db.kind === 'postgresql' ? 5 : 1);
  });

  // Registered in the PostgreSQL pass only: PGlite has no pool to exhaust.
  if (process.env.DATABASE_URL) it('shows PostgreSQL connections in use and queries waiting while the pool is exhausted', async () => {
    // Seven statements on the server's own pool of five, each waiting for a lock that a session of
    // the test holds until the scrape has seen them: five run, two wait for a connection. (A Prisma
    // query starts when it is awaited: `then` starts each one now.)
    const holder = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock(7007)');
      const waiting = Array.from({ length: 7 }, () => t.db.prisma.$executeRaw`SELECT pg_advisory_xact_lock_shared(7007)`.then(() => undefined));
      const during = await until('five connections in use and two queries waiting', async () => {
        const { text } = await scrape(t, `Bearer ${token}`);
        return sample(text, 'db_pool_connections_in_use') === 5 && sample(text, 'db_pool_waiting_requests') === 2 && text;
      });
      expect(sample(during, 'db_pool_connections_idle')).toBe(0);
      await holder.query('SELECT pg_advisory_unlock(7007)');
      await Promise.all(waiting);
    } finally {
      await holder.end();
    }
    const after = (await scrape(t, `Bearer ${token}`)).text;
    expect(sample(after, 'db_pool_connections_in_use')).toBe(0);
    expect(sample(after, 'db_pool_waiting_requests')).toBe(0);
    expect(sample(after, 'db_pool_connections_idle')).toBe(5);
  });

  it('asks for the scrape token when one is set, and never takes an API key for it', async () => {
    for (const authorization of [undefined, 'Bearer wrong-token-0123456789', `Bearer ${t.key}`]) {
      const refused = await scrape(t, authorization);
      expect(refused.status).toBe(401);
      expect(JSON.parse(refused.text)).toEqual({ message: METRICS_UNAUTHORIZED_MESSAGE });
    }
  });

  it('is open without a token, and not served at all unless enabled', async () => {
    const open = await startSibling(t, { env: { METRICS_ENABLED: 'true' } });
    const disabled = await startSibling(t, { env: {} });
    try {
      expect((await scrape(open)).status).toBe(200);
      expect((await scrape(disabled, `Bearer ${token}`)).status).toBe(404);
    } finally {
      await open.close();
      await disabled.close();
    }
  });
});
