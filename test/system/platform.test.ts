// Everything around the operations: keys, auth, health, docs, transport errors, migrations, process life.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { cpSync, mkdtempSync, readFileSync, readdirSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedDataDir, spawnServer } from '../helpers/process.ts';
import { parse } from 'yaml';
import { ApiKeyVerifier, createAdministratorKey, revokeApiKey } from '../../server/api-keys/store.ts';
import { asSystem } from '../../server/platform/database/tenancy.ts';
import { openDatabase } from '../../server/platform/database/connection.ts';
import { applyMigrations, migrationsDir, unmigratedSchemaChanges } from '../../server/platform/database/migrations.ts';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { until } from '../helpers/wait.ts';
import { BODY_TOO_LARGE_MESSAGE, fieldNotAllowed, fieldRequired, fieldType, invalidJsonAt, JSON_SCALAR_MESSAGE, METHOD_NOT_ALLOWED_MESSAGE, NOT_FOUND_MESSAGE, TOO_DEEP_MESSAGE, UNAUTHORIZED_MESSAGE, UNSUPPORTED_TYPE_MESSAGE } from '../../server/core/messages.ts';

const run = promisify(execFile);
const packageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: { start: string } };
const API_KEY_CACHE_MS = 1500;
let t: TestServer;
beforeAll(async () => { t = await startTestServer({ env: { API_KEY_CACHE_MS: String(API_KEY_CACHE_MS) } }); });
afterAll(async () => { await t?.close(); });

/**
 * Environment for a child process: the suite's PostgreSQL when set, otherwise a PGlite directory of
 * its own, already migrated unless `empty` (a first start on a new directory).
 */
async function childDatabaseEnv(empty = false): Promise<NodeJS.ProcessEnv> {
  if (process.env.DATABASE_URL) return { ...process.env };
  return { ...process.env, PGLITE_DATA_DIR: empty ? mkdtempSync(join(tmpdir(), 'pglite-')) : await migratedDataDir() };
}

describe('authentication', () => {
  it.each([
    ['no Authorization header', undefined],
    ['another scheme', 'Basic dXNlcjpwYXNz'],
    ['an unknown key', 'Bearer gcp_not-a-real-key'],
    ['an empty bearer', 'Bearer '],
  ])('answers 401 to %s', async (_label, authorization) => {
    const r = await t.api('GET', '/api/projects', { auth: false, headers: authorization ? { authorization } : {} });
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ message: UNAUTHORIZED_MESSAGE });
  });

  it('refuses a key revoked by another process within API_KEY_CACHE_MS, before validating the request', async () => {
    const { id, key } = await createAdministratorKey(t.db.prisma, 'to revoke');
    const headers = { authorization: `Bearer ${key}` };
    expect((await t.api('GET', '/api/projects', { headers })).status).toBe(200);
    // Revoked behind the server's back, as another instance or a command on PostgreSQL does.
    expect(await revokeApiKey(t.db.prisma, id)).toBe(true);
    const revokedAt = Date.now();
    // The bound is on when a request is sent, not when its answer comes back (which a busy machine
    // delays): a request sent API_KEY_CACHE_MS after the revocation, or later, must be refused.
    for (;;) {
      const sentAt = Date.now();
      const { status } = await t.api('POST', '/api/projects', { headers, json: {} });
      if (status === 401) break;
      expect(status).toBe(422);
      expect(sentAt - revokedAt).toBeLessThan(API_KEY_CACHE_MS);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });

  it('a key created by another process works on its first request', async () => {
    const { key } = await createAdministratorKey(t.db.prisma, 'created elsewhere');
    expect((await t.api('GET', '/api/projects', { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
  });

  it('wrong keys cost the database at most one lookup a second, however many arrive', async () => {
    let lookups = 0;
    // The real database behind a counter of the verifier's one query.
    const counting = { apiKey: { findMany: (args: never) => { lookups++; return t.db.prisma.apiKey.findMany(args); } } };
    const verifier = new ApiKeyVerifier(counting as unknown as typeof t.db.prisma, { maxAgeMs: 60_000 });
    const started = Date.now();
    const wrong = Array.from({ length: 300 }, (_, i) => `gcp_${String(i).padStart(43, 'x')}`);
    for (let i = 0; i < 3; i++) expect((await Promise.all(wrong.map((k) => verifier.identify(k)))).filter((id) => id !== undefined)).toEqual([]);
    const seconds = (Date.now() - started) / 1000;
    expect(lookups).toBeGreaterThan(0);
    expect(lookups).toBeLessThanOrEqual(Math.ceil(seconds) + 1);
    expect(await verifier.identify('not-even-a-key')).toBeUndefined();
  });

  it('stores only a hash and records last use', async () => {
    const { id, key } = await createAdministratorKey(t.db.prisma, 'hashed');
    const row = await t.db.prisma.apiKey.findFirstOrThrow({ where: { id } });
    expect(JSON.stringify(row)).not.toContain(key);
    expect(row.hash).toBe(createHash('sha256').update(key).digest('hex'));
    expect(row.lastUsedAt).toBeNull();
    await t.api('GET', '/api/projects', { headers: { authorization: `Bearer ${key}` } });
    expect((await t.db.prisma.apiKey.findFirstOrThrow({ where: { id } })).lastUsedAt).toBeInstanceOf(Date);
  });
});

describe('npm run keys', () => {
  // Each command is a process that opens the database (on PGlite: starts PostgreSQL in WebAssembly,
  // the bulk of its cost); the test opens it itself only once, at the end.
  it('creates (key alone on the last line), lists and revokes keys', async () => {
    const env = await childDatabaseEnv();
    const keys = (...args: string[]) => run('node_modules/.bin/tsx', ['scripts/keys.ts', ...args], { env });
    const created = await keys('create', 'CI robot');
    const key = created.stdout.trim().split('\n').at(-1)!;
    expect(key).toMatch(/^gcp_[A-Za-z0-9_-]{43}$/);
    const listed = (await keys('list')).stdout;
    expect(listed).not.toContain(key);
    // id, prefix, name, role, person, organization, state, …
    const ids = [...listed.matchAll(/^#(\d+)\t[^\t]*\tCI robot\tadmin\tMain Administrator\torganization 1\tactive\t/gm)].map((match) => Number(match[1]));
    expect(ids.length, listed).toBeGreaterThan(0);
    const id = Math.max(...ids);
    expect((await keys('revoke', String(id))).stdout).toContain(`Revoked API key #${id}`);
    await expect(keys('revoke', String(id))).rejects.toMatchObject({ code: 1 });
    await expect(keys('bogus')).rejects.toMatchObject({ code: 2 });
    const db = await openDatabase({ databaseUrl: env.DATABASE_URL, pgliteDataDir: env.PGLITE_DATA_DIR ?? '', databasePoolSize: 1 });
    try {
      // The key printed is the one stored (by its hash) under that id, and it no longer identifies anyone.
      const row = await db.prisma.apiKey.findFirstOrThrow({ where: { id } });
      expect(row).toMatchObject({ name: 'CI robot', hash: createHash('sha256').update(key).digest('hex') });
      expect(row.revokedAt).toBeInstanceOf(Date);
      expect(await new ApiKeyVerifier(db.prisma, { maxAgeMs: 0 }).identify(key)).toBeUndefined();
    } finally {
      await db.close();
    }
  });
});

describe('service routes', () => {
  it('health, readiness, the spec in YAML and JSON, and the docs page, without a key', async () => {
    expect((await t.api('GET', '/healthz', { auth: false })).body).toEqual({ status: 'ok' });
    expect((await t.api('GET', '/readyz', { auth: false })).body).toMatchObject({ status: 'ready' });
    const yaml = await t.api('GET', '/openapi.yaml', { auth: false });
    expect(yaml.headers.get('content-type')).toMatch(/yaml/);
    const json = await t.api('GET', '/openapi.json', { auth: false });
    expect(json.body).toEqual(parse(yaml.body, { maxAliasCount: -1 }));
    const docs = await t.api('GET', '/docs', { auth: false });
    expect(docs.status).toBe(200);
    expect(docs.headers.get('content-type')).toMatch(/html/);
    expect(docs.body).toContain('Grow CRM Projects API');
  });

  it('echoes a sane X-Request-Id and invents one otherwise', async () => {
    expect((await t.api('GET', '/healthz', { headers: { 'x-request-id': 'abc-123' } })).headers.get('x-request-id')).toBe('abc-123');
    expect((await t.api('GET', '/healthz', { headers: { 'x-request-id': 'x'.repeat(101) } })).headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('transport errors: a clear 4xx in the API format, never a 500', () => {
  it.each([
    ['malformed JSON', { headers: { 'content-type': 'application/json' }, form: '{"project_title":' }, 400, invalidJsonAt(1, 18)],
    ['malformed JSON on its third line', { headers: { 'content-type': 'application/json' }, form: '{\n  "project_title": "Site",\n  "project_clientid": 12,\n}' }, 400, invalidJsonAt(4, 1)],
    ['a JSON scalar', { headers: { 'content-type': 'application/json' }, form: '"text"' }, 400, JSON_SCALAR_MESSAGE],
    ['a wrong content type', { headers: { 'content-type': 'text/plain' }, form: 'project_title=x' }, 415, UNSUPPORTED_TYPE_MESSAGE],
    ['an oversized body', { json: { project_title: 'x'.repeat(200 * 1024) } }, 413, BODY_TOO_LARGE_MESSAGE],
  ])('%s', async (_label, options, status, message) => {
    const r = await t.api('POST', '/api/projects', options as never);
    expect(r.status).toBe(status);
    expect(r.body).toEqual({ message });
  });

  it.each(['__proto__', 'constructor', 'hasOwnProperty'])('a body field named %s is refused like any unknown field', async (field) => {
    const r = await t.api('POST', '/api/categories', { headers: { 'content-type': 'application/json' }, form: `{"category_name":"x","${field}":{"a":1}}` });
    expect(r.status).toBe(422);
    expect(Object.keys(r.body.errors)).toEqual([field]);
    expect(r.body.errors[field]).toEqual([fieldNotAllowed(field)]);
  });

  it('deeply nested bodies are a 400, whatever the depth', async () => {
    const json = `{"category_name":"x","a":${'['.repeat(45_000)}${']'.repeat(45_000)}}`;
    const deepJson = await t.api('POST', '/api/categories', { headers: { 'content-type': 'application/json' }, form: json });
    expect(deepJson.status).toBe(400);
    expect(deepJson.body).toEqual({ message: TOO_DEEP_MESSAGE });
    const deepForm = await t.api('POST', '/api/categories', { form: `category_name=x&a${'[b]'.repeat(40)}=1` });
    expect(deepForm.body).toEqual({ message: TOO_DEEP_MESSAGE });
  });

  it.each(['0x10', '1e3', '1.0', '+5'])('a path id must be digits: %s is a 422', async (id) => {
    const r = await t.api('GET', `/api/projects/${id}`);
    expect(r.status).toBe(422);
    expect(r.body.errors).toEqual({ id: [fieldType('id', ['integer'])] });
  });

  it('unknown routes and methods', async () => {
    expect((await t.api('GET', '/api/nothing-here')).body).toEqual({ message: NOT_FOUND_MESSAGE });
    const wrong = await t.api('DELETE', '/api/projects');
    expect(wrong.status).toBe(405);
    expect(wrong.body).toEqual({ message: METHOD_NOT_ALLOWED_MESSAGE });
  });

  it('a body-less POST lists the required fields', async () => {
    const r = await t.api('POST', '/api/categories');
    expect(r.status).toBe(422);
    expect(r.body.errors).toEqual({ category_name: [fieldRequired('category_name')] });
  });
});

describe('migrations', () => {
  it('are in Prisma layout, recorded with Prisma checksums, idempotent, and match schema.prisma', async () => {
    const names = readdirSync(migrationsDir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect(name).toMatch(/^\d{14}_[a-z0-9_]+$/);
    expect(readFileSync(join(migrationsDir, 'migration_lock.toml'), 'utf8')).toContain('provider = "postgresql"');
    // Prisma's record is the owner's (the server's role may not read it).
    const rows = await asSystem(() => t.db.prisma.$queryRaw<{ migration_name: string; checksum: string; finished_at: Date | null }[]>`
      SELECT migration_name, checksum, finished_at FROM _prisma_migrations ORDER BY migration_name`);
    expect(rows.map((r) => r.migration_name)).toEqual(names.sort());
    for (const row of rows) {
      const sql = readFileSync(join(migrationsDir, row.migration_name, 'migration.sql'));
      expect(row.checksum).toBe(createHash('sha256').update(sql).digest('hex'));
      expect(row.finished_at).not.toBeNull();
    }
    expect(await applyMigrations(t.db.adapterFactory)).toEqual([]);
    // Drift: a database built from the migrations must equal prisma/schema.prisma.
    expect(await unmigratedSchemaChanges(), 'schema.prisma and prisma/migrations differ: run npm run db:migration -- <name>').toBe('');
  });
});

/** The server from its sources, listening. */
async function startServer(env: NodeJS.ProcessEnv) {
  const server = spawnServer(env);
  return { ...server, port: await server.listening };
}

describe('the server process', () => {
  it('npm start runs the compiled server under node itself, prints only its log lines, and a SIGTERM sent to npm stops it', async () => {
    const docsPage = new URL('../../dist/docs/index.html', import.meta.url);
    const docsBuilt = statSync(docsPage).mtimeMs;
    const npm = spawnServer(await childDatabaseEnv(), ['npm', 'start']);
    await npm.listening;
    // npm's own two lines, then JSON log lines alone: no tool's banner, no build on start.
    const lines = npm.output().split('\n').filter(Boolean);
    expect(lines.filter((line) => !line.startsWith('{"level":')), npm.output())
      .toEqual([expect.stringMatching(/^> growcrm-projects-api@\S+ start$/), `> ${packageJson.scripts.start}`]);
    expect(statSync(docsPage).mtimeMs).toBe(docsBuilt);
    const pid = npm.pid();
    const commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    expect(commandLine[0]).toMatch(/node$/);
    expect(commandLine.filter(Boolean).at(-1)).toBe('scripts/start.js');
    npm.child.kill('SIGTERM');
    const alive = () => { try { process.kill(pid, 0); return true; } catch { return false; } };
    await until(`the server (pid ${pid}) to stop once npm got SIGTERM:\n${npm.output()}`, () => !alive());
  });

  it('npm start builds first when the tree has no build, and only then', async () => {
    // A checkout copied without dist/ (as a deployment or the benchmark harness copies it).
    const tree = mkdtempSync(join(tmpdir(), 'unbuilt-'));
    for (const entry of readdirSync('.')) {
      if (['dist', 'data', '.git'].includes(entry)) continue;
      if (entry === 'node_modules') symlinkSync(join(process.cwd(), entry), join(tree, entry));
      else cpSync(entry, join(tree, entry), { recursive: true, preserveTimestamps: true });
    }
    const startIn = async () => spawnServer(await childDatabaseEnv(), [process.execPath, join(tree, 'scripts/start.js')]);
    const first = await startIn();
    await first.listening;
    expect(first.output()).toContain('Building the server (no build yet)');
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const second = await startIn();
    await second.listening;
    expect(second.output()).not.toMatch(/building/i);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  }, 900_000); // a whole build (tsc twice, the docs) comes first: minutes on a busy machine

  it('says how to create a key on a first start, serves, and stops cleanly on SIGTERM', async () => {
    const env = await childDatabaseEnv(true);
    // The suite's database already has keys; this check needs a database without any.
    if (env.DATABASE_URL) await t.db.prisma.apiKey.deleteMany();
    const server = await startServer(env);
    expect(server.output()).toContain('npm run -s keys -- create <name>');
    expect((await fetch(`http://127.0.0.1:${server.port}/healthz`)).status).toBe(200);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(server.output()).toContain('"msg":"stopped"');
  });

  it('on SIGTERM finishes a request that is still arriving, then exits', async () => {
    const env = await childDatabaseEnv();
    const { stdout } = await run('node_modules/.bin/tsx', ['scripts/keys.ts', 'create', 'in-flight'], { env });
    const key = stdout.trim().split('\n').at(-1)!;
    const server = await startServer(env);
    const body = JSON.stringify({ client_company_name: 'Arrived after SIGTERM' });
    const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: server.port, method: 'POST', path: '/api/clients',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let text = '';
        res.on('data', (chunk) => { text += chunk; });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      // The request is in flight (connected, headers and part of the body sent) when the signal
      // arrives, and the rest comes once the server has begun to shut down.
      req.write(body.slice(0, 10), () => {
        server.child.kill('SIGTERM');
        until('the server to begin its shutdown', () => server.output().includes('shutting down'))
          .then(() => req.end(body.slice(10)), reject);
      });
    });
    const { status, text } = await answer;
    expect(status, text).toBe(201);
    expect(JSON.parse(text).data.company_name).toBe('Arrived after SIGTERM');
    expect(await server.exited).toBe(0);
    expect(server.output()).not.toContain('did not finish in time');
    await expect(fetch(`http://127.0.0.1:${server.port}/healthz`)).rejects.toThrow();
  });

});

// Several instances share only a PostgreSQL database (PGlite is one process's), so this exists in the
// PostgreSQL pass of the suite, which CI runs.
if (process.env.DATABASE_URL) {
  describe('several instances on one PostgreSQL', () => {
    it('start together on a fresh database: one applies the migrations, all serve', async () => {
      const database = `projects_instances_${Date.now()}`;
      await asSystem(() => t.db.prisma.$executeRawUnsafe(`CREATE DATABASE ${database}`));
      const url = new URL(process.env.DATABASE_URL!);
      url.pathname = `/${database}`;
      const env = { ...process.env, DATABASE_URL: url.toString() };
      try {
        const servers = await Promise.all([startServer(env), startServer(env), startServer(env)]);
        for (const server of servers) expect((await fetch(`http://127.0.0.1:${server.port}/readyz`)).status).toBe(200);
        const applied = servers.filter((server) => server.output().includes('applied database migrations'));
        expect(applied).toHaveLength(1);
        for (const server of servers) server.child.kill('SIGTERM');
        expect(await Promise.all(servers.map((server) => server.exited))).toEqual([0, 0, 0]);
        const db = await openDatabase({ databaseUrl: env.DATABASE_URL, pgliteDataDir: '', databasePoolSize: 1 });
        expect(await asSystem(() => db.prisma.user.count({ where: { role: 'admin' } }))).toBe(1);
        await db.close();
      } finally {
        await asSystem(() => t.db.prisma.$executeRawUnsafe(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
      }
    });
  });
}
