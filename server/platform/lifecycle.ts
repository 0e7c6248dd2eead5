// The process around the app: configuration, database and port failures at start-up end in one
// clear log line and exit 1; SIGTERM/SIGINT drain the HTTP server and close the database: the
// process ends within SHUTDOWN_TIMEOUT_MS + 1 s of taking the signal, however the database behaves.
import { createServer, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, Server as NetServer, type AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';
import type { Express } from 'express';
import type { Logger } from 'pino';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { openDatabase, type Database } from './database/connection.ts';
import { DataDirectoryInUse } from './database/data-directory.ts';
import { prepareDatabase } from './database/prepare.ts';
import { createLogger, flushLogsSync } from './logging.ts';
import { within } from '../core/time-limit.ts';
import type { Tracing } from './tracing.ts';

/** Shared by the app and the shutdown: once shutting down, /readyz is 503 and answers close their connection. */
export interface AppState { shuttingDown: boolean }

/** Logs why the process cannot go on, as one line, and exits 1. */
function fail(logger: Logger, message: string, error?: unknown): never {
  logger.fatal(error === undefined ? {} : { error: firstLine(error) }, message);
  process.exit(1);
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.trim().split('\n').find((line) => line.trim() !== '')?.trim() ?? message;
}

/** Read when this module loads, at the process's start: see the watch on npm in handleShutdownSignals. */
const parentAtStart = process.ppid;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}


/** The configuration, or one fatal line naming the bad variable and exit 1. */
export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    fail(createLogger('info'), `invalid configuration: ${error.message}`);
  }
}

/** Anything thrown that nothing caught: one fatal JSON line rather than Node's stack dump on stderr. */
export function logCrashes(logger: Logger): void {
  const crash = (error: unknown) => {
    logger.fatal({ err: error }, `crashed: ${firstLine(error)}`);
    process.exit(1);
  };
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
}

/**
 * Opens and migrates the database. PostgreSQL may be starting at the same time as the server, so
 * failures are retried, with a logged warning, for DATABASE_STARTUP_TIMEOUT_MS; the embedded
 * database either opens or does not, so it is not retried.
 */
export async function openDatabaseOrExit(config: Config, logger: Logger): Promise<Database> {
  const deadline = Date.now() + config.databaseStartupTimeoutMs;
  for (let attempt = 1, pause = 250; ; attempt += 1, pause = Math.min(pause * 2, 5000)) {
    let db: Database | undefined;
    try {
      db = await openDatabase(config);
      const opened = db;
      // A database that accepts connections but never answers would hang the migrations.
      const limit = Math.max(deadline - Date.now(), config.databaseConnectTimeoutMs);
      const prepared = await within(prepareDatabase(opened, config.adminEmail, logger).then(() => true), limit, false);
      if (!prepared) throw new Error(`no answer from the database within ${limit} ms`);
      return opened;
    } catch (error) {
      if (error instanceof DataDirectoryInUse) {
        fail(logger, `${error.message} A second process must not open it: stop that one first, or set PGLITE_DATA_DIR to another directory.`);
      }
      if (db) await within(db.close().catch(() => {}), 1000, undefined);
      const remaining = deadline - Date.now();
      if (!config.databaseUrl || remaining <= 0) {
        fail(logger, `cannot open the database (${config.databaseUrl ? `gave up after ${attempt} attempts in ${config.databaseStartupTimeoutMs} ms` : config.pgliteDataDir})`, error);
      }
      logger.warn({ attempt, error: firstLine(error), retryInMs: Math.min(pause, remaining) }, 'database not reachable yet; retrying');
      await sleep(Math.min(pause, remaining));
    }
  }
}

const LISTEN_ERRORS: Record<string, string> = {
  EADDRINUSE: 'is already in use',
  EACCES: 'needs privileges this process does not have',
  EADDRNOTAVAIL: 'is not an address of this machine',
  ENOTFOUND: 'is not a known host name',
};

/** Listens on `port`/`host` and resolves once it does, or with the error that prevented it. */
function tryListen(server: Server | NetServer, port: number, host: string): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    server.once('error', resolve);
    server.listen(port, host, () => { server.off('error', resolve); resolve(undefined); });
  });
}

/**
 * Checks PORT/HOST before the database opens: a port in use is reported at once, not after the
 * migrations (seconds on the embedded database). Listened on and released; the server listens for
 * real once it is ready, and reports the (rare) case that another process took the port meanwhile.
 */
export async function checkPortOrExit(config: Config, logger: Logger): Promise<void> {
  if (config.port === 0) return;
  const probe = createNetServer();
  const error = await tryListen(probe, config.port, config.host);
  if (error) fail(logger, listenFailure(config, error), error);
  await new Promise((resolve) => probe.close(resolve));
}

function listenFailure(config: Config, error: NodeJS.ErrnoException): string {
  return `cannot listen on ${config.host}:${config.port}: the address ${LISTEN_ERRORS[error.code ?? ''] ?? 'cannot be listened on'}`;
}

/** Listens on PORT/HOST, or logs why it cannot (port in use, …), closes the database and exits 1. */
export async function listenOrExit(app: Express, config: Config, db: Database, logger: Logger): Promise<Server> {
  const server = createServer(app);
  const error = await tryListen(server, config.port, config.host);
  if (error) {
    await within(db.close().catch(() => {}), 1000, undefined);
    fail(logger, listenFailure(config, error), error);
  }
  const { port } = server.address() as AddressInfo;
  logger.info({ port, host: config.host, database: db.kind, pid: process.pid }, `listening on http://localhost:${port}`);
  return server;
}

/**
 * Connections that the kernel has completed but Node has not accepted yet (its event loop was busy)
 * are reset when the listener closes, after their clients may have sent a request on them. Event
 * loop turns accept them; this waits until a turn brings no new one.
 */
async function acceptPendingConnections(server: Server): Promise<void> {
  let accepted = 0;
  const count = () => { accepted += 1; };
  server.on('connection', count);
  for (let turn = 0, before = -1; turn < 10 && accepted !== before; turn += 1) {
    before = accepted;
    await new Promise((resolve) => setImmediate(resolve));
  }
  server.off('connection', count);
}

/**
 * Kills the process at `at` (epoch ms) from a thread of its own. The shutdown's timers run on the
 * event loop, which a burst of requests can hold for a while (stalls of 0.3–0.7 s were measured
 * there on 2 busy CPUs, and delayed the backstop timer past the bound). process.exit() ends this
 * thread first, so it fires only when the process has not begun to exit by then.
 */
function startWatchdog(at: number): void {
  const source = `
    const { workerData } = require('node:worker_threads');
    const { writeSync } = require('node:fs');
    setTimeout(() => {
      writeSync(1, JSON.stringify({ level: 50, time: Date.now(), msg: 'shutdown did not complete in time and the event loop is blocked; killing the process' }) + '\\n');
      process.kill(process.pid, 'SIGKILL');
    }, Math.max(0, workerData.at - Date.now()));`;
  // No execArgv: the process's own (tsx under the tests) would cost the thread's start-up for nothing.
  const watchdog = new Worker(source, { eval: true, workerData: { at }, execArgv: [] });
  watchdog.on('error', () => {});
  watchdog.unref();
}

/**
 * How the second after SHUTDOWN_TIMEOUT_MS is shared. Each step has its place in it, so that their
 * limits cannot add up past it (they did: background jobs 0.5 s, database 0.1–0.25 s, spans 0.5 s,
 * plus the process's own exit): background jobs, database and spans are closed by CLOSED_BY_MS,
 * the main thread exits by EXIT_AT_MS whatever is still open, and the watchdog kills the process
 * at KILL_AT_MS if the event loop is too busy to. The rest is for the process's exit itself (0.1–0.15 s
 * from process.exit() to the kernel's exit_group, measured on 2 busy CPUs).
 */
const AFTER_DEADLINE = { CLOSED_BY_MS: 500, EXIT_AT_MS: 650, KILL_AT_MS: 800 } as const;
/** Background jobs may take this long past the deadline, leaving the database the rest of CLOSED_BY_MS. */
const BACKGROUND_PAST_DEADLINE_MS = 300;

/**
 * Graceful stop on SIGTERM/SIGINT:
 * 1. /readyz turns 503 and, once the connections already waiting to be accepted are, the listener
 *    closes: new connections are refused at connect.
 * 2. Connections already open stay open: a keep-alive client may be sending on one right now, and
 *    closing it (as http.Server#close() does with idle ones since Node 19) would reset that request.
 *    Every response from now on carries `Connection: close`, so each client closes its connection
 *    after its answer; idle ones close at the keep-alive timeout (5 s), which clients are told of.
 * 3. At SHUTDOWN_TIMEOUT_MS whatever is still open is closed.
 * 4. Background jobs, the database and the last spans are closed within the next 0.5 s (a database
 *    that does not answer cannot hold the process), and the process ends within SHUTDOWN_TIMEOUT_MS
 *    + 1 s of taking the signal (AFTER_DEADLINE). Taking it waits for the event loop's current turn:
 *    under a burst of requests, that can be a few hundred milliseconds after the signal was sent.
 * Exit code 0 when everything closed in time, 1 otherwise.
 */
export interface Background { stop(): Promise<void> }

export function handleShutdownSignals(
  server: Server, db: Database, state: AppState, config: Pick<Config, 'shutdownTimeoutMs'>, logger: Logger, tracing?: Tracing, background?: Background,
): void {
  const inProgress = new Set<ServerResponse>();
  // Before the app's own listener, so that the header is set before any handler answers.
  server.prependListener('request', (_req, res: ServerResponse) => {
    if (state.shuttingDown) {
      res.setHeader('Connection', 'close');
      return;
    }
    inProgress.add(res);
    res.once('finish', () => inProgress.delete(res)).once('close', () => inProgress.delete(res));
  });

  async function shutdown(signal: string): Promise<void> {
    if (state.shuttingDown) return;
    state.shuttingDown = true;
    const deadline = Date.now() + config.shutdownTimeoutMs;
    const closedBy = deadline + AFTER_DEADLINE.CLOSED_BY_MS;
    setTimeout(() => {
      logger.error('shutdown did not complete in time; exiting');
      process.exit(1);
    }, deadline + AFTER_DEADLINE.EXIT_AT_MS - Date.now()).unref();
    logger.info({ signal }, 'shutting down: no new connections, answering requests on open ones with Connection: close');
    // The moment the signal was taken is what the bound is counted from: written now, whatever blocks later.
    flushLogsSync(logger);
    for (const res of inProgress) if (!res.headersSent) res.setHeader('Connection', 'close');
    inProgress.clear();

    await acceptPendingConnections(server);
    const closed = new Promise<void>((resolve) => { NetServer.prototype.close.call(server, () => resolve()); });
    // Once the listener is closed: starting a thread takes the event loop a moment, which the
    // connections still to be accepted above cannot spare.
    startWatchdog(deadline + AFTER_DEADLINE.KILL_AT_MS);
    let clean = await within(closed.then(() => true), deadline - Date.now(), false);
    if (!clean) {
      logger.warn('connections still open at SHUTDOWN_TIMEOUT_MS; closing them');
      server.closeAllConnections();
    }
    // Until the deadline, or half a second when the drain took it all, but never into the database's share.
    // A delivery cut short here is retried, by this or another instance, once its job expires.
    const backgroundBy = Math.min(Math.max(deadline, Date.now() + 500), deadline + BACKGROUND_PAST_DEADLINE_MS);
    if (background && !(await within(background.stop().then(() => true, () => false), backgroundBy - Date.now(), false))) {
      logger.warn('background jobs did not stop in time');
    }
    // The database gets a second, and no more than what is left of CLOSED_BY_MS; the last spans (this
    // very drain's requests) are sent meanwhile, as they need nothing from the database.
    const [dbClosed] = await Promise.all([
      within(db.close().then(() => true, () => false), Math.min(1000, closedBy - Date.now()), false),
      tracing ? within(tracing.shutdown().then(() => true, () => false), closedBy - Date.now(), false) : true,
    ]);
    if (!dbClosed) {
      logger.warn('the database did not close in time; exiting without waiting for it');
      clean = false;
    }
    logger.info('stopped');
    process.exit(clean ? 0 : 1);
  }

  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  // Under `npm start`, a SIGTERM sent to npm reaches only the shell npm runs the script in; the shell
  // dies without passing it on, and this process is left to init. Losing the parent npm is therefore
  // taken as the stop signal. Only under npm: a server started by nohup or a supervisor keeps running.
  if (process.env.npm_lifecycle_event) {
    setInterval(() => { if (process.ppid !== parentAtStart) void shutdown('npm exited'); }, 250).unref();
  }
}
