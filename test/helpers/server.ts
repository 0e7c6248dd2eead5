// Starts the real app in-process on a fresh database: in-memory PGlite by default (a copy of the
// run's migrated one), or the PostgreSQL of DATABASE_URL (the test file's own database, a copy of
// the run's migrated template: test/helpers/file-database.ts). Responses are validated against the
// spec by the server itself (VALIDATE_RESPONSES), so a wrong shape is a 500 here.
import { once } from 'node:events';
import { afterAll, beforeAll, inject } from 'vitest';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { encodeFormBody } from '../../client/index.ts';
import { createAdministratorKey } from '../../server/api-keys/store.ts';
import { outsideAnyScope } from '../../server/platform/database/tenancy.ts';
import { loadConfig } from '../../server/platform/config.ts';
import { openDatabase, type Database } from '../../server/platform/database/connection.ts';
import { prepareDatabase } from '../../server/platform/database/prepare.ts';
import { createLogger } from '../../server/platform/logging.ts';
import type { Tracing } from '../../server/platform/tracing.ts';
import { attachProtocolErrorHandlers } from '../../server/http/protocol-errors.ts';
import { contractProblems, type routes } from './contract.ts';
import { copyPostgresTemplate, databaseName, migratedPgliteImage } from './database-template.ts';
import { until } from './wait.ts';
import { createRuntime } from '../../server/runtime.ts';

export type FormValue = string | number | (string | number)[];

export interface RequestOptions {
  json?: unknown;
  /** Sent as application/x-www-form-urlencoded by the client's encoder (arrays as `key[]=…`), or as given. */
  form?: Record<string, FormValue> | string;
  headers?: Record<string, string>;
  /** false: no Authorization header at all. */
  auth?: boolean;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  // Tests read arbitrary fields of whatever came back; its shape was checked against the spec.
  body: any;
}

export interface TestServer {
  baseUrl: string;
  key: string;
  db: Database;
  api(method: string, path: string, options?: RequestOptions): Promise<ApiResponse>;
  close(): Promise<void>;
}

export interface TestServerOptions {
  /** Serve an existing embedded database (or, with DATABASE_URL, the PostgreSQL database as it is) instead of a fresh one. */
  pgliteDataDir?: string;
  /** Configuration on top of the process environment. */
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  /** Tracing started by the test (startTracing), whose request spans the app then makes. */
  tracing?: Tracing;
  /** Start the job queue and, unless `env.BACKGROUND_JOBS` is false, run the webhook relay and deliveries and background clones here. */
  jobs?: boolean;
}

/**
 * The database timeouts shed load when production's database cannot keep up; a test server is slow
 * for other reasons (a busy shared machine, this process's own PGlite), and a request that waits 2 s
 * for PGlite's one connection behind its concurrent siblings must not become a 503 there. Tests of
 * the timeouts set their own (`env`).
 */
const PATIENT_DATABASE = { DATABASE_CONNECT_TIMEOUT_MS: '120000', DATABASE_QUERY_TIMEOUT_MS: '120000', DATABASE_TRANSACTION_TIMEOUT_MS: '120000' };

function testConfig(options: TestServerOptions) {
  return loadConfig({
    ...process.env, PGLITE_DATA_DIR: options.pgliteDataDir ?? 'memory://', VALIDATE_RESPONSES: 'true', DATABASE_POOL_SIZE: '5', ...PATIENT_DATABASE, ...options.env,
  });
}

let fileDatabaseUsed = false;

/**
 * The test file's PostgreSQL database fresh for a new test server: as copied for the file's first
 * one, copied from the template again for each later one (the file's previous server has closed).
 */
async function freshFileDatabase(url: string): Promise<void> {
  const template = inject('postgresTemplate');
  if (!template || url === template.url) throw new Error('DATABASE_URL is not a test file\'s own database: run the tests through vitest (vitest.config.ts)');
  if (fileDatabaseUsed) await copyPostgresTemplate(template, databaseName(url));
  fileDatabaseUsed = true;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const config = testConfig(options);
  if (config.databaseUrl && !options.pgliteDataDir) await freshFileDatabase(config.databaseUrl);
  const fresh = !config.databaseUrl && !options.pgliteDataDir;
  const db = await openDatabase({ ...config, pgliteLoadDataDir: fresh ? await migratedPgliteImage() : undefined });
  await prepareDatabase(db, config.adminEmail);
  const { key } = await createAdministratorKey(db.prisma, 'tests');
  return serve(db, key, options, async () => { await db.close(); });
}

/** One more instance of the app on the database of `t` (its key works), configured by `options`; close it before `t`. */
export function startSibling(t: TestServer, options: TestServerOptions): Promise<TestServer> {
  return serve(t.db, t.key, options, async () => {});
}

async function serve(db: Database, key: string, options: TestServerOptions, closeDatabase: () => Promise<void>): Promise<TestServer> {
  const config = testConfig(options);
  const logger = options.logger ?? createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  // Outside the test's organization: what a request or a job needs, it sets itself.
  const { runtime, server } = await outsideAnyScope(async () => {
    const started = await createRuntime({ config, db, logger, tracing: options.tracing, jobQueue: options.jobs ?? false });
    await started.startBackground();
    return { runtime: started, server: started.app.listen(0, '127.0.0.1') };
  });
  // The client shares this process's event loop with an in-memory PGlite, whose long statements block
  // it: a keep-alive timeout that fires late would race the client's next request on that connection.
  // Longer than any test leaves a connection idle: 60 s was not, once a test spent minutes in the
  // database alone (query-plans' load, then its next request was reset).
  server.keepAliveTimeout = 30 * 60_000;
  attachProtocolErrorHandlers(server, logger);
  await once(server, 'listening');
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  async function api(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.auth !== false) headers.authorization ??= `Bearer ${key}`;
    let body: string | undefined;
    if (options.json !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.form !== undefined) {
      headers['content-type'] ??= 'application/x-www-form-urlencoded';
      body = typeof options.form === 'string' ? options.form : encodeFormBody(options.form);
    }
    const response = await fetch(baseUrl + path, { method, headers, body });
    const text = await response.text();
    let parsed: unknown = text;
    try { parsed = JSON.parse(text); } catch { /* not JSON: keep the text */ }
    const problems = contractProblems(method, path, response.status, parsed);
    if (problems.length > 0) throw new Error(`Response breaks the contract:\n${problems.join('\n')}\n${text.slice(0, 500)}`);
    return { status: response.status, headers: response.headers, body: parsed };
  }

  return {
    baseUrl,
    key,
    db,
    api,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await runtime.close();
      await closeDatabase();
    },
  };
}

/** A client, a category and two team users, created through the API. */
export async function createFixtures(t: TestServer) {
  const client = (await t.api('POST', '/api/clients', { json: { client_company_name: 'Acme Inc' } })).body.data;
  const otherClient = (await t.api('POST', '/api/clients', { json: { client_company_name: 'Globex' } })).body.data;
  const category = (await t.api('POST', '/api/categories', { json: { category_name: 'Development' } })).body.data;
  const otherCategory = (await t.api('POST', '/api/categories', { json: { category_name: 'Marketing' } })).body.data;
  const jane = (await t.api('POST', '/api/users', { json: { first_name: 'Jane', last_name: 'Doe', email: `jane.${Date.now()}@acme.test` } })).body.data;
  const sam = (await t.api('POST', '/api/users', { json: { first_name: 'Sam', last_name: 'Lee', email: `sam.${Date.now()}@acme.test` } })).body.data;
  return { client, otherClient, category, otherCategory, jane, sam };
}

export type Fixtures = Awaited<ReturnType<typeof createFixtures>>;

/** The spec's example body of a write, its references to the documentation's rows (client 12, category 3, user 5) pointed at the fixtures'. */
export function exampleBody(route: (typeof routes)[number], f: Fixtures): Record<string, unknown> | undefined {
  const media = route.operation.requestBody?.content['application/json'] as { example?: Record<string, unknown> } | undefined;
  if (!media) return undefined;
  const references: Record<string, unknown> = {
    project_clientid: f.client.id, project_categoryid: f.category.id, manager: f.jane.id, assigned: [f.jane.id], user_id: f.jane.id, comment_creatorid: f.jane.id,
  };
  return Object.fromEntries(Object.entries(media.example ?? {}).map(([field, value]) => [field, field in references ? references[field] : value]));
}

export async function createProject(t: TestServer, f: Fixtures, extra: Record<string, unknown> = {}) {
  const response = await t.api('POST', '/api/projects', {
    json: { project_clientid: f.client.id, project_categoryid: f.category.id, project_title: 'Website Redesign', project_date_start: '2026-06-01', ...extra },
  });
  if (response.status !== 201) throw new Error(`createProject failed: ${JSON.stringify(response.body)}`);
  return response.body.data;
}

/** Stands for an object that beforeAll has not created yet; reading it earlier is a test bug. */
function lateBound<T extends object>(get: () => T | undefined, name: string): T {
  return new Proxy({} as T, {
    get(_target, key) {
      const value = get();
      if (!value) throw new Error(`${name} is only available once beforeAll has run`);
      return Reflect.get(value, key);
    },
  });
}

/** A fresh server with fixtures for the test file that calls this, closed after its tests. */
export function useTestServer(options: TestServerOptions = {}): { t: TestServer; f: Fixtures } {
  let server: TestServer | undefined;
  let fixtures: Fixtures | undefined;
  beforeAll(async () => {
    server = await startTestServer(options);
    fixtures = await createFixtures(server);
  });
  afterAll(async () => { await server?.close(); });
  return { t: lateBound(() => server, 'the test server'), f: lateBound(() => fixtures, 'the fixtures') };
}

/**
 * Until every event committed so far shows in the event feed (/api/events, activities, the webhook
 * relay). The feed holds events back while an older transaction is open anywhere in the PostgreSQL
 * cluster, another suite's too on a shared machine; on PGlite they show at once.
 */
export async function untilFeedCaughtUp(t: Pick<TestServer, 'db'>): Promise<void> {
  await until('every committed event to show in the feed', async () => {
    const [row] = await t.db.prisma.$queryRaw<{ behind: boolean }[]>`
      SELECT EXISTS (SELECT 1 FROM events WHERE transaction_id >= pg_snapshot_xmin(pg_current_snapshot())::text::bigint) AS behind`;
    return row?.behind === false;
  });
}
