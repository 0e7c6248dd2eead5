// Starts the server: configuration → database (migrated) → HTTP, and a graceful SIGTERM.
import type { AddressInfo } from 'node:net';
import { countActiveApiKeys } from './api-keys.ts';
import { createApp, type AppState } from './app.ts';
import { loadConfig } from './config.ts';
import { openDatabase } from './database/connection.ts';
import { prepareDatabase } from './database/prepare.ts';
import { createLogger } from './logging.ts';
import { attachProtocolErrorHandlers } from './protocol-errors.ts';

const config = loadConfig();
const logger = createLogger(config.logLevel);
const db = await openDatabase(config);
await prepareDatabase(db, config.adminEmail, logger);

if ((await countActiveApiKeys(db.prisma)) === 0) {
  logger.warn('No API key exists yet: every /api request will get 401. Create one with: npm run -s keys -- create <name>');
}

const state: AppState = { shuttingDown: false };
const app = createApp({ db, config, logger, state });
const server = app.listen(config.port, config.host, () => {
  const { port } = server.address() as AddressInfo;
  logger.info({ port, host: config.host, database: db.kind }, `listening on http://localhost:${port}`);
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
