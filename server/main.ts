// Starts the server: configuration → database (migrated) → HTTP, and a graceful SIGTERM.
import type { AddressInfo } from 'node:net';
import { runAdminCommand } from './admin/commands.ts';
import { ApiKeyVerifier, countActiveApiKeys } from './api-keys.ts';
import { createApp, type AppState } from './app.ts';
import { loadConfig } from './config.ts';
import { openDatabase } from './database/connection.ts';
import { DataDirectoryInUse } from './database/data-directory.ts';
import { prepareDatabase } from './database/prepare.ts';
import { createLogger } from './logging.ts';
import { attachProtocolErrorHandlers } from './protocol-errors.ts';

// Read before anything else: see the watch on npm at the end.
const parentAtStart = process.ppid;
const config = loadConfig();
const logger = createLogger(config.logLevel);
const db = await openDatabase(config).catch((error: unknown) => {
  if (!(error instanceof DataDirectoryInUse)) throw error;
  logger.fatal({ pid: error.owner.pid, owner: error.owner.role, directory: error.directory },
    `${error.message} A second process must not open it: stop that one first, or set PGLITE_DATA_DIR to another directory.`);
  process.exit(1);
});
await prepareDatabase(db, config.adminEmail, logger);
const apiKeys = new ApiKeyVerifier(db.prisma, { maxAgeMs: config.apiKeyCacheMs });
// `npm run keys` / `db:seed` / `db:migrate` started beside this server run here, on its database.
db.dataDirectory?.acceptCommands((request) => runAdminCommand({ db, keysChanged: () => apiKeys.invalidate() }, request));

if ((await countActiveApiKeys(db.prisma)) === 0) {
  logger.warn('No API key exists yet: every /api request will get 401. Create one with: npm run -s keys -- create <name>');
}

const state: AppState = { shuttingDown: false };
const app = createApp({ db, config, logger, state, apiKeys });
const server = app.listen(config.port, config.host, () => {
  const { port } = server.address() as AddressInfo;
  logger.info({ port, host: config.host, database: db.kind, pid: process.pid }, `listening on http://localhost:${port}`);
});
attachProtocolErrorHandlers(server, logger);

async function shutdown(signal: string): Promise<void> {
  if (state.shuttingDown) return;
  state.shuttingDown = true;
  logger.info({ signal }, 'shutting down: no new connections, finishing in-flight requests');
  const forced = setTimeout(() => {
    logger.warn('in-flight requests did not finish in time; closing their connections');
    server.closeAllConnections();
  }, config.shutdownTimeoutMs);
  // Keep-alive connections go idle as their last response ends: close each one then, rather than
  // waiting out the keep-alive timeout.
  const idleSweep = setInterval(() => server.closeIdleConnections(), 100);
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
  clearInterval(idleSweep);
  clearTimeout(forced);
  await db.close();
  logger.info('stopped');
  process.exit(0);
}

process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));

// Under `npm start`, a SIGTERM sent to npm reaches only the shell npm runs the script in; the shell
// dies without passing it on, and this process is left to init. Losing the parent npm is therefore
// taken as the stop signal. Only under npm: a server started by nohup or a supervisor keeps running.
if (process.env.npm_lifecycle_event) {
  setInterval(() => { if (process.ppid !== parentAtStart) void shutdown('npm exited'); }, 250).unref();
}
