// Idempotency-Key: a retried write is carried out once and every retry gets the first answer.
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createAdministratorKey } from '../../../server/api-keys/store.ts';
import { asSystem } from '../../../server/platform/database/tenancy.ts';
import { createRuntime } from '../../../server/runtime.ts';
import { loadConfig } from '../../../server/platform/config.ts';
import { openDatabase } from '../../../server/platform/database/connection.ts';
import { createLogger } from '../../../server/platform/logging.ts';
import { removeExpiredIdempotencyKeys } from '../../../server/http/idempotency.ts';
import { createProject, startSibling, useTestServer, type ApiResponse } from '../../helpers/server.ts';
import { startTcpProxy } from '../../helpers/tcp-proxy.ts';
import { until } from '../../helpers/wait.ts';
import { idempotencyKeyReused } from '../../../server/core/messages.ts';

// Requests here wait on rows that a test's own session holds, for as long as a busy machine takes to
// go on: no query or transaction timeout may end them first (none of these tests is about those).
const patient = { DATABASE_QUERY_TIMEOUT_MS: '600000', DATABASE_TRANSACTION_TIMEOUT_MS: '600000' };
const { t, f } = useTestServer({ env: patient });
const onPostgres = Boolean(process.env.DATABASE_URL);

/** Until a session waits for a lock (the first PATCH, for the row the test's own session holds). */
async function waitingForTheRow(): Promise<void> {
  await until('the request to wait for the locked row', async () => {
    // As the system: the server's role sees no other session's state.
    const [row] = await asSystem(() => t.db.prisma.$queryRaw<{ n: bigint }[]>`
      SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
    return Number(row?.n) > 0;
  });
}

const projectBody = () => ({ project_clientid: f.client.id, project_categoryid: f.category.id, project_title: `Retried ${randomUUID()}`, project_date_start: '2026-06-01' });

function answerOf(response: ApiResponse) {
  return { status: response.status, body: response.body, etag: response.headers.get('etag') };
}

describe('Idempotency-Key', () => {
  it('a create retried 10 times concurrently with one key makes one project and 10 identical answers', async () => {
    const key = randomUUID();
    const json = projectBody();
    const answers = await Promise.all(Array.from({ length: 10 }, () => t.api('POST', '/api/projects', { json, headers: { 'Idempotency-Key': key } })));
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(201));
    expect(new Set(answers.map((a) => JSON.stringify(answerOf(a)))).size).toBe(1);
    expect(await t.db.prisma.project.count({ where: { title: json.project_title } })).toBe(1);
    // The first answer is the original; every other one is its replay, and says so.
    expect(answers.filter((a) => a.headers.get('idempotent-replayed') === 'true')).toHaveLength(9);
    expect(answers.filter((a) => a.headers.get('idempotent-replayed') === null)).toHaveLength(1);
  });

  it('a later retry replays the first answer exactly, even after the resource changed', async () => {
    const key = randomUUID();
    const json = projectBody();
    const first = await t.api('POST', '/api/projects', { json, headers: { 'Idempotency-Key': key } });
    await t.api('PUT', `/api/projects/${first.body.data.id}/status`, { json: { status: 'completed' } });
    const retry = await t.api('POST', '/api/projects', { json, headers: { 'Idempotency-Key': key } });
    expect(answerOf(retry)).toEqual(answerOf(first));
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.headers.get('content-type')).toBe(first.headers.get('content-type'));
  });

  it('the same fields in another order or encoding are the same request', async () => {
    const key = randomUUID();
    const json = projectBody();
    const first = await t.api('POST', '/api/projects', { json, headers: { 'Idempotency-Key': key } });
    const reordered = Object.fromEntries(Object.entries(json).reverse());
    const retry = await t.api('POST', '/api/projects', { form: reordered, headers: { 'Idempotency-Key': key } });
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
  });

  it('the same key with a different body, path or method is a 422 that says which, and changes nothing', async () => {
    const key = randomUUID();
    const json = projectBody();
    const first = await t.api('POST', '/api/projects', { json, headers: { 'Idempotency-Key': key } });
    const before = await t.db.prisma.project.count();

    const otherBody = await t.api('POST', '/api/projects', { json: { ...json, project_title: 'Something else' }, headers: { 'Idempotency-Key': key } });
    expect(otherBody.status).toBe(422);
    expect(otherBody.body.errors['Idempotency-Key']).toEqual([idempotencyKeyReused('POST /api/projects', 'POST /api/projects', true)]);

    const otherPath = await t.api('PUT', `/api/projects/${first.body.data.id}/archive`, { headers: { 'Idempotency-Key': key } });
    expect(otherPath.status).toBe(422);
    expect(otherPath.body.errors['Idempotency-Key']).toEqual([idempotencyKeyReused('POST /api/projects', `PUT /api/projects/${first.body.data.id}/archive`, false)]);

    expect(await t.db.prisma.project.count()).toBe(before);
    expect((await t.api('GET', `/api/projects/${first.body.data.id}`)).body.data.active_state).toBe('active');
  });

  it('keys belong to the API key that sent them', async () => {
    const other = await createAdministratorKey(t.db.prisma, 'other integration');
    const key = randomUUID();
    const json = projectBody();
    const mine = await t.api('POST', '/api/projects', { json, headers: { 'Idempotency-Key': key } });
    const theirs = await t.api('POST', '/api/projects', { json, headers: { 'Idempotency-Key': key, authorization: `Bearer ${other.key}` } });
    expect(theirs.status).toBe(201);
    expect(theirs.headers.get('idempotent-replayed')).toBeNull();
    expect(theirs.body.data.id).not.toBe(mine.body.data.id);
  });

  it("a handler's refusal is stored and replayed; nothing is created", async () => {
    const key = randomUUID();
    const json = { ...projectBody(), project_clientid: 999_999 };
    const first = await t.api('POST', '/api/projects', { json, headers: { 'Idempotency-Key': key } });
    expect(first.status).toBe(422);
    const retry = await t.api('POST', '/api/projects', { json, headers: { 'Idempotency-Key': key } });
    expect(answerOf(retry)).toEqual(answerOf(first));
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await t.db.prisma.project.count({ where: { title: json.project_title } })).toBe(0);
  });

  it('an action is carried out once: the second delete with the key replays the first 200', async () => {
    const p = await createProject(t, f);
    const key = randomUUID();
    const first = await t.api('DELETE', `/api/projects/${p.id}`, { headers: { 'Idempotency-Key': key } });
    const retry = await t.api('DELETE', `/api/projects/${p.id}`, { headers: { 'Idempotency-Key': key } });
    expect([first.status, retry.status]).toEqual([200, 200]);
    expect(retry.body).toEqual(first.body);
    // Without the key, the same delete now finds nothing.
    expect((await t.api('DELETE', `/api/projects/${p.id}`)).status).toBe(404);
  });

  it('a malformed key is a 422 naming the header', async () => {
    const response = await t.api('POST', '/api/projects', { json: projectBody(), headers: { 'Idempotency-Key': 'x'.repeat(256) } });
    expect(response.status).toBe(422);
    expect(Object.keys(response.body.errors)).toEqual(['Idempotency-Key']);
  });

  it('keys expire after IDEMPOTENCY_KEY_TTL_SECONDS and the sweep removes them', async () => {
    const shortLived = await startSibling(t, { env: { IDEMPOTENCY_KEY_TTL_SECONDS: '1' } });
    try {
      const key = randomUUID();
      const json = projectBody();
      const first = await shortLived.api('POST', '/api/projects', { json, headers: { 'Idempotency-Key': key } });
      await new Promise((resolve) => setTimeout(resolve, 1100));
      // Expired: the key is free again and the request is a new one.
      const later = await shortLived.api('POST', '/api/projects', { json, headers: { 'Idempotency-Key': key } });
      expect(later.status).toBe(201);
      expect(later.body.data.id).not.toBe(first.body.data.id);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      expect(await removeExpiredIdempotencyKeys(t.db.prisma)).toBeGreaterThanOrEqual(1);
      expect(await t.db.prisma.idempotencyKey.count({ where: { key } })).toBe(0);
      expect(await t.db.prisma.idempotencyKey.count({ where: { expiresAt: { lte: new Date() } } })).toBe(0);
    } finally {
      await shortLived.close();
    }
  });

  if (onPostgres) it('a retry while the first request is still running is a 409, then gets its answer (PostgreSQL)', async () => {
    const p = await createProject(t, f);
    const sibling = await startSibling(t, { env: { IDEMPOTENCY_WAIT_MS: '300' } });
    // Another session holds the project's row: the first PATCH claims its key, then waits for the row.
    const holder = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT id FROM projects WHERE id = $1 FOR UPDATE', [p.id]);
      const key = randomUUID();
      const json = { project_title: 'Renamed once' };
      const first = t.api('PATCH', `/api/projects/${p.id}`, { json, headers: { 'Idempotency-Key': key } });
      await waitingForTheRow();
      const started = Date.now();
      const retry = await sibling.api('PATCH', `/api/projects/${p.id}`, { json, headers: { 'Idempotency-Key': key } });
      expect(retry.status).toBe(409);
      expect(retry.headers.get('retry-after')).toBe('1');
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      await holder.query('COMMIT');
      const original = await first;
      expect(original.status).toBe(200);
      const later = await sibling.api('PATCH', `/api/projects/${p.id}`, { json, headers: { 'Idempotency-Key': key } });
      expect(later.headers.get('idempotent-replayed')).toBe('true');
      expect(answerOf(later)).toEqual(answerOf(original));
    } finally {
      await holder.end();
      await sibling.close();
    }
  });

  if (onPostgres) it('a database connection lost mid-request leaves neither the change nor its answer; the retry makes it once (PostgreSQL)', async () => {
    const p = await createProject(t, f);
    const target = new URL(process.env.DATABASE_URL!);
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    const config = loadConfig({ ...process.env, ...patient, DATABASE_URL: proxy.url(process.env.DATABASE_URL!), VALIDATE_RESPONSES: 'true', DATABASE_POOL_SIZE: '2' });
    const db = await openDatabase(config);
    const server = (await createRuntime({ config, db, logger: createLogger('silent'), jobQueue: false })).app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/projects/${p.id}`;
    const key = randomUUID();
    const patch = () => fetch(url, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${t.key}`, 'content-type': 'application/json', 'Idempotency-Key': key },
      body: JSON.stringify({ project_title: 'Changed once' }),
    });
    // Another session holds the row: the PATCH claims its key, then waits inside its transaction.
    const holder = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT id FROM projects WHERE id = $1 FOR UPDATE', [p.id]);
      const first = patch();
      await waitingForTheRow();
      proxy.drop();
      expect((await first).status).toBe(503);
      await holder.query('COMMIT');
      // Its transaction never committed: neither the key nor the change is there (the backend rolls
      // it back once it notices the lost client; a retry's claim waits for that).
      expect(await t.db.prisma.idempotencyKey.count({ where: { key } })).toBe(0);
      expect((await t.api('GET', `/api/projects/${p.id}`)).body.data.title).toBe(p.title);

      const retry = await patch();
      expect(retry.status).toBe(200);
      expect(retry.headers.get('idempotent-replayed')).toBeNull();
      const again = await patch();
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(await again.json()).toEqual(await retry.json());
      expect((await t.api('GET', `/api/projects/${p.id}`)).body.data.title).toBe('Changed once');
      expect(await t.db.prisma.idempotencyKey.findMany({ where: { key }, select: { status: true } })).toEqual([{ status: 200 }]);
    } finally {
      await holder.end();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await db.close();
      await proxy.close();
    }
  });
});
