// The server process (server/main.ts) at start-up and shutdown: a bad configuration value, a port
// already in use or an unreachable database end in one clear log line and exit 1; SIGTERM ends the
// process in bounded time even when the database hangs, and answers every request that keep-alive
// clients send while it drains.
//
// The server runs as `node --import tsx server/main.ts`, one process: the tsx CLI would put a parent
// process in front of it that SIGKILLs the server when it does not acknowledge a signal within
// 30 ms (a busy event loop), which is not the behaviour under test.
import { Agent, request } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createApiKey } from '../server/api-keys.ts';
import { openDatabase } from '../server/database/connection.ts';
import { prepareDatabase } from '../server/database/prepare.ts';
import { spawnServer } from './helpers/process.ts';
import { startTcpProxy } from './helpers/tcp-proxy.ts';
import { until } from './helpers/wait.ts';

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

  it('a port already in use', async () => {
    const taken = createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => taken.once('listening', resolve));
    try {
      const { port } = taken.address() as AddressInfo;
      const server = startServer({ PORT: String(port), HOST: '127.0.0.1' });
      expect(await server.exited).toBe(1);
      expectOneClearFatalLine(server.output(), new RegExp(`cannot listen on 127.0.0.1:${port}: the address is already in use`));
    } finally {
      taken.close();
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

  it('SIGTERM while the database is frozen ends the process within SHUTDOWN_TIMEOUT_MS + 1 s', async () => {
    const target = new URL(DATABASE_URL!);
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
    try {
      // Longer query and transaction timeouts than the shutdown's: only the shutdown can end this.
      const server = startServer({
        DATABASE_URL: proxy.url(DATABASE_URL!), SHUTDOWN_TIMEOUT_MS: '2000',
        DATABASE_QUERY_TIMEOUT_MS: '60000', DATABASE_TRANSACTION_TIMEOUT_MS: '60000', DATABASE_CONNECT_TIMEOUT_MS: '60000',
      });
      const port = await server.listening;
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
      proxy.pause();
      const stuck = fetch(`http://127.0.0.1:${port}/api/projects`, { headers: { authorization: 'Bearer gcp_unknown' } }).then((r) => r.status, () => 0);
      // The request is stuck once its key lookup has reached the frozen database.
      await until('the request to reach the frozen database', () => proxy.sentWhilePaused().length > 0);
      server.kill('SIGTERM');
      const code = await server.exited;
      const exitedAt = Date.now();
      // The bound is the feature: SHUTDOWN_TIMEOUT_MS (2 s) + 1 s from the moment the process took the
      // signal (its own log time), not from the kill, which a busy machine may deliver late.
      const signalled = JSON.parse(lines(server.output()).find((line) => line.includes('shutting down'))!).time as number;
      const took = exitedAt - signalled;
      console.log('SIGTERM with a frozen database: exit', code, 'after', took, 'ms; the stuck request saw', await stuck);
      expect(took).toBeLessThan(3000);
      expect(code).toBe(1);
      expect(server.output()).toContain('connections still open at SHUTDOWN_TIMEOUT_MS');
    } finally {
      proxy.resume();
      await proxy.close();
    }
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
    const { key } = await createApiKey(db.prisma, 'drain');
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
