// The server process (server/main.ts) at start-up and shutdown: a bad configuration value, a port
// already in use or an unreachable database end in one clear log line and exit 1; SIGTERM ends the
// process in bounded time even when the database hangs, and answers every request that keep-alive
// clients send while it drains.
//
// The server runs as `node --import tsx server/main.ts`, one process: the tsx CLI would put a parent
// process in front of it that SIGKILLs the server when it does not acknowledge a signal within
// 30 ms (a busy event loop), which is not the behaviour under test.
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Agent, request } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createAdministratorKey } from '../../../server/api-keys/store.ts';
import { openDatabase } from '../../../server/platform/database/connection.ts';
import { prepareDatabase } from '../../../server/platform/database/prepare.ts';
import { spawnServer } from '../../helpers/process.ts';
import { startTcpProxy } from '../../helpers/tcp-proxy.ts';
import { until } from '../../helpers/wait.ts';

const DATABASE_URL = process.env.DATABASE_URL;

/** The server from its sources, on an in-memory database unless `env` says otherwise. */
function startServer(env: Record<string, string>) {
  const server = spawnServer({ ...process.env, PGLITE_DATA_DIR: 'memory://', ...env });
  return { ...server, kill: (signal: NodeJS.Signals) => server.child.kill(signal) };
}

function lines(output: string): string[] {
  return output.split('\n').filter((line) => line.trim() !== '');
}

/** The output is JSON log lines only, with no stack trace, and the last one is a fatal line. */
function expectOneClearFatalLine(output: string, message: RegExp): void {
  const all = lines(output);
  for (const line of all) expect(() => JSON.parse(line), `not a log line: ${line}`).not.toThrow();
  expect(output).not.toMatch(/TypeError|\n\s+at /);
  const fatal = all.map((line) => JSON.parse(line)).filter((entry) => entry.level === 60);
  expect(fatal).toHaveLength(1);
  expect(JSON.parse(all.at(-1)!)).toEqual(fatal[0]);
  expect(fatal[0].msg).toMatch(message);
}

/** A TCP port on which nothing listens: connections to it are refused. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('start-up failures: one clear log line and exit 1', () => {
  it.each([
    ['PORT', 'abc', /PORT must be an integer/],
    ['DATABASE_POOL_SIZE', '0', /DATABASE_POOL_SIZE must be an integer from 1/],
    ['DATABASE_QUEUE_LIMIT', '-1', /DATABASE_QUEUE_LIMIT must be an integer/],
    ['SHUTDOWN_TIMEOUT_MS', 'soon', /SHUTDOWN_TIMEOUT_MS must be an integer/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL must be one of/],
    ['DATABASE_URL', 'mysql://localhost/projects', /DATABASE_URL must start with postgresql:\/\//],
    ['DATABASE_URL', 'postgresql://user:pass@host:99999/db', /DATABASE_URL is not a valid URL/],
  ])('%s=%s', async (name, value, message) => {
    const server = startServer({ [name]: value });
    expect(await server.exited).toBe(1);
    expectOneClearFatalLine(server.output(), message);
    expect(lines(server.output())).toHaveLength(1);
  });

  it('a port already in use, reported before the database is opened or migrated', async () => {
    const taken = createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => taken.once('listening', resolve));
    const dataDir = join(mkdtempSync(join(tmpdir(), 'port-in-use-')), 'pglite');
    try {
      const { port } = taken.address() as AddressInfo;
      const server = startServer({ PORT: String(port), HOST: '127.0.0.1', PGLITE_DATA_DIR: dataDir });
      expect(await server.exited).toBe(1);
      expectOneClearFatalLine(server.output(), new RegExp(`cannot listen on 127.0.0.1:${port}: the address is already in use`));
      // Nothing before it: no database was created, no migration ran.
      expect(lines(server.output())).toHaveLength(1);
      expect(existsSync(dataDir)).toBe(false);
    } finally {
      taken.close();
      rmSync(dirname(dataDir), { recursive: true, force: true });
    }
  });

  it('a database that is down: retried, each failure logged, until DATABASE_STARTUP_TIMEOUT_MS, then exit 1', async () => {
    // 8 s: the first attempt also loads the PostgreSQL driver, which takes seconds on a busy machine;
    // the later ones fail at once, so several fit in the rest however slow that first one was.
    const spawnedAt = Date.now();
    const server = startServer({ DATABASE_URL: `postgresql://postgres@127.0.0.1:${await closedPort()}/projects`, DATABASE_STARTUP_TIMEOUT_MS: '8000' });
    expect(await server.exited).toBe(1);
    expectOneClearFatalLine(server.output(), /cannot open the database \(gave up after \d+ attempts in 8000 ms\)/);
    const entries = lines(server.output()).map((line) => JSON.parse(line));
    const retries = entries.filter((entry) => entry.level === 40);
    const fatal = entries.at(-1)!;
    expect(retries.length).toBeGreaterThanOrEqual(2);
    for (const retry of retries) expect(retry.msg).toBe('database not reachable yet; retrying');
    // Every failed attempt but the last was logged as a retry.
    expect(fatal.msg).toContain(`gave up after ${retries.length + 1} attempts`);
    expect(fatal.error).toMatch(/Can't reach database server/);
    // Not before the timeout (counted from the process's spawn, which is earlier than its start)...
    expect(fatal.time - spawnedAt).toBeGreaterThanOrEqual(8000);
    // ...and no retry after it: the last pause ended by the deadline, then one attempt (which fails
    // at once on an idle machine; the margin is for a busy one) and the fatal line.
    const last = retries.at(-1)!;
    expect(fatal.time - (last.time + last.retryInMs)).toBeLessThan(5000);
  });
});

// Registered only in the PostgreSQL pass of the suite (CI runs it), so the PGlite pass has nothing skipped.
if (DATABASE_URL) describe('start-up and shutdown against a faulty PostgreSQL (through a TCP proxy)', () => {
  it('a database that comes up during the start-up retries: the server starts', async () => {
    const target = new URL(DATABASE_URL!);
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    await proxy.refuse();
    try {
      // A start-up timeout far beyond how long the test takes to let the database in.
      const server = startServer({ DATABASE_URL: proxy.url(DATABASE_URL!), DATABASE_STARTUP_TIMEOUT_MS: '240000' });
      // The database comes up once the server has found it down (however long Node takes to start).
      await until('the server to find the database down', () => server.output().includes('database not reachable yet; retrying'));
      await proxy.listen();
      const port = await server.listening;
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
      server.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    } finally {
      await proxy.close();
    }
  });

  it('SIGTERM while the database is frozen, with requests in flight: the process ends within SHUTDOWN_TIMEOUT_MS + 1 s of taking the signal', async () => {
    const target = new URL(DATABASE_URL!);
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    // A trace collector that accepts connections and never answers: sending the last spans must not hold the process either.
    const collector = createServer(() => {}).listen(0, '127.0.0.1');
    await once(collector, 'listening');
    const db = await openDatabase({ databaseUrl: DATABASE_URL, pgliteDataDir: '', databasePoolSize: 1 });
    await prepareDatabase(db, 'admin@example.com');
    const { key } = await createAdministratorKey(db.prisma, 'frozen shutdown');
    await db.close();
    try {
      // Longer database timeouts than the shutdown's: only the shutdown can end these requests. The
      // key stays cached, so that no key lookup waits on the frozen database in their place.
      const shutdownTimeoutMs = 2000;
      const server = startServer({
        DATABASE_URL: proxy.url(DATABASE_URL!), SHUTDOWN_TIMEOUT_MS: String(shutdownTimeoutMs), DATABASE_POOL_SIZE: '2',
        DATABASE_QUERY_TIMEOUT_MS: '60000', DATABASE_TRANSACTION_TIMEOUT_MS: '60000', DATABASE_CONNECT_TIMEOUT_MS: '60000',
        API_KEY_CACHE_MS: '600000', METRICS_ENABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(collector.address() as AddressInfo).port}`,
      });
      const base = `http://127.0.0.1:${await server.listening}`;
      const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
      expect((await fetch(`${base}/api/projects`, { headers })).status).toBe(200);
      proxy.pause();
      const inFlight = Array.from({ length: 8 }, (_, i) => (i % 2 === 0
        ? fetch(`${base}/api/projects`, { headers })
        : fetch(`${base}/api/clients`, { method: 'POST', headers, body: JSON.stringify({ client_company_name: `frozen ${i}` }) })
      ).then((r) => r.status, () => 0));
      // In flight: both pool connections taken, the other requests waiting for one (/metrics reads the pool, not the database).
      const poolFigure = (metrics: string, name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(metrics)?.[1]);
      await until('both pool connections taken and the other requests waiting', async () => {
        const metrics = await (await fetch(`${base}/metrics`)).text();
        return poolFigure(metrics, 'db_pool_connections_in_use') === 2 && poolFigure(metrics, 'db_pool_waiting_requests') >= 6;
      });
      const signalled = Date.now();
      server.kill('SIGTERM');
      const code = await server.exited;
      const exited = Date.now();
      const began = lines(server.output()).map((line) => JSON.parse(line)).find((entry) => /^shutting down/.test(entry.msg)).time as number;
      console.log('SIGTERM with a frozen database:', {
        log: lines(server.output()).map((line) => JSON.parse(line)).filter((e) => e.time >= began).map((e) => `${e.time - began} ${e.msg}`),
        exitCode: code, signalTakenAfterMs: began - signalled, exitedAfterTakingItMs: exited - began, exitedAfterSignalMs: exited - signalled, requests: await Promise.all(inFlight),
      });
      // The bound is the feature, from the moment the process took the signal (its own log time), not
      // from the kill, which a busy machine may deliver late.
      expect(exited - began).toBeLessThanOrEqual(shutdownTimeoutMs + 1000);
      expect(code).toBe(1);
      expect(server.output()).toContain('connections still open at SHUTDOWN_TIMEOUT_MS');
      expect(server.output()).toContain('the database did not close in time');
    } finally {
      proxy.resume();
      await proxy.close();
      collector.close();
    }
  });
});

describe('SIGTERM while the event loop is blocked', () => {
  it('a watchdog thread ends the process within SHUTDOWN_TIMEOUT_MS + 1 s of taking the signal', async () => {
    // A process whose database close blocks its event loop for 60 s: no timer of its own can run.
    const shutdownTimeoutMs = 500;
    const server = spawnServer({ ...process.env, SHUTDOWN_TIMEOUT_MS: String(shutdownTimeoutMs) }, [process.execPath, '--import', 'tsx', 'test/helpers/blocked-shutdown.ts']);
    await server.listening;
    const signalled = Date.now();
    server.child.kill('SIGTERM');
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => server.child.once('close', (c, s) => resolve([c, s])));
    const exited = Date.now();
    const began = lines(server.output()).map((line) => JSON.parse(line)).find((entry) => /^shutting down/.test(entry.msg)).time as number;
    console.log('SIGTERM with a blocked event loop:', { log: lines(server.output()).map((line) => JSON.parse(line)).filter((e) => e.time >= began).map((e) => `${e.time - began} ${e.msg}`), code, signal, signalTakenAfterMs: began - signalled, exitedAfterTakingItMs: exited - began });
    expect(signal).toBe('SIGKILL');
    expect(server.output()).toContain('the event loop is blocked; killing the process');
    expect(exited - began).toBeLessThanOrEqual(shutdownTimeoutMs + 1000);
  });
});

// PostgreSQL only: with the embedded PGlite the server at times leaves new connections unaccepted for
// seconds under load (in the kernel's accept queue; those still there at SIGTERM are reset), an open
// problem of its own (README, Reliability) rather than the drain under test here.
// Registered only in the PostgreSQL pass of the suite (CI runs it), so the PGlite pass has nothing skipped.
if (DATABASE_URL) describe('SIGTERM with keep-alive clients sending continuously', () => {
  it('answers every request sent on an open connection (with Connection: close); the rest are refused at connect', async () => {
    const db = await openDatabase({ databaseUrl: DATABASE_URL, pgliteDataDir: '', databasePoolSize: 1 });
    await prepareDatabase(db, 'admin@example.com');
    const { key } = await createAdministratorKey(db.prisma, 'drain');
    await db.close();
    const server = startServer({});
    const port = await server.listening;

    const outcomes = { answered: 0, withConnectionClose: 0, refused: 0, reset: 0, resets: [] as string[] };
    let signalledAt = 0;
    const send = (agent: Agent, i: number) => new Promise<'refused' | 'other'>((resolve) => {
      const body = JSON.stringify({ client_company_name: `drain ${i}` });
      const write = i % 2 === 0;
      const req = request({
        host: '127.0.0.1', port, agent, method: write ? 'POST' : 'GET', path: write ? '/api/clients' : '/api/projects?limit=5',
        headers: { authorization: `Bearer ${key}`, ...(write ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {}) },
      }, (res) => {
        res.resume();
        res.on('end', () => {
          outcomes.answered += 1;
          if (signalledAt && res.headers.connection === 'close') outcomes.withConnectionClose += 1;
          resolve('other');
        });
      });
      req.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'ECONNREFUSED') {
          outcomes.refused += 1;
          resolve('refused');
        } else {
          outcomes.reset += 1;
          outcomes.resets.push(`${error.code ?? error.message}, reused connection: ${req.reusedSocket}`);
          resolve('other');
        }
      });
      req.end(write ? body : undefined);
    });
    // Every client sends until its connection is refused (a cap of its own stops a server that never refuses).
    const answeredBy = new Set<number>();
    const started = Date.now();
    const workers = Array.from({ length: 32 }, async (_, w) => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      for (let i = 0; Date.now() - started < 240_000; i += 1) {
        const outcome = await send(agent, w * 100_000 + i);
        if (outcome === 'refused') break;
        answeredBy.add(w);
      }
      agent.destroy();
    });
    // SIGTERM once every client has had an answer, i.e. holds an open keep-alive connection.
    await until('an answer for each of the 32 clients', () => answeredBy.size === 32);
    signalledAt = Date.now();
    server.kill('SIGTERM');
    await Promise.all(workers);
    const code = await server.exited;
    console.log('keep-alive drain (32 clients):', { ...outcomes, exitCode: code, exitedAfterMs: Date.now() - signalledAt });
    expect(outcomes.resets).toEqual([]);
    expect(outcomes.refused).toBe(32);
    expect(outcomes.withConnectionClose).toBeGreaterThan(0);
    expect(code).toBe(0);
  });
});
