// A server process whose database close blocks the event loop (as a long synchronous task would):
// only a timer outside the event loop can end its shutdown. Logs `listening` like the server.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleShutdownSignals } from '../../server/platform/lifecycle.ts';
import { createLogger } from '../../server/platform/logging.ts';
import type { Database } from '../../server/platform/database/connection.ts';

const logger = createLogger('info');
const server = createServer().listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const db = {
  async close() {
    for (const until = Date.now() + 60_000; Date.now() < until;) { /* blocked */ }
  },
} as Database;
handleShutdownSignals(server, db, { shuttingDown: false }, { shutdownTimeoutMs: Number(process.env.SHUTDOWN_TIMEOUT_MS) }, logger);
logger.info({ port: (server.address() as AddressInfo).port, pid: process.pid }, 'listening');
