// Starts the server: configuration → database (migrated) → HTTP, and a graceful SIGTERM.
// Each step that can fail logs one clear line and exits 1 (server/platform/lifecycle.ts).
import { runAdminCommand } from './admin/commands.ts';
import { countActiveApiKeys } from './api-keys/store.ts';
import { attachProtocolErrorHandlers } from './http/protocol-errors.ts';
import { checkPortOrExit, handleShutdownSignals, listenOrExit, loadConfigOrExit, logCrashes, openDatabaseOrExit, type AppState } from './platform/lifecycle.ts';
import { createLogger } from './platform/logging.ts';
import { startTracing } from './platform/tracing.ts';
import { createRuntime } from './runtime.ts';

const config = loadConfigOrExit();
const logger = createLogger(config.logLevel);
logCrashes(logger);
await checkPortOrExit(config, logger);
// Before the database opens, so that Prisma's instrumentation sees every query.
const tracing = config.otelEndpoint ? await startTracing(config.otelEndpoint, logger) : undefined;
const db = await openDatabaseOrExit(config, logger);
const state: AppState = { shuttingDown: false };
const runtime = await createRuntime({ config, db, logger, state, tracing });
// `npm run keys` / `db:seed` / `db:migrate` started beside this server run here, on its database.
db.dataDirectory?.acceptCommands((request) => runAdminCommand({ db, keysChanged: () => runtime.apiKeys.invalidate() }, request));

if ((await countActiveApiKeys(db.prisma)) === 0) {
  logger.warn('No API key exists yet: every /api request will get 401. Create one with: npm run -s keys -- create <name>');
}
logger.info({ rateLimits: runtime.rateLimits.kind }, runtime.rateLimits.kind === 'redis' ? 'rate limits are shared through Redis' : 'rate limits are counted in this process (no REDIS_URL)');

const server = await listenOrExit(runtime.app, config, db, logger);
attachProtocolErrorHandlers(server, logger);
handleShutdownSignals(server, db, state, config, logger, tracing, { stop: runtime.stopBackground });
// Once the signal handlers are in place: the job queue's first queries would delay them.
try {
  await runtime.startBackground();
} catch (error) {
  logger.error({ err: error }, 'the job queue did not start: webhooks are not delivered and large clones not copied by this instance');
}
