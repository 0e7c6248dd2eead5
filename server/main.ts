// Starts the server: configuration → database (migrated) → HTTP, and a graceful SIGTERM.
// Each step that can fail logs one clear line and exits 1 (server/lifecycle.ts).
import { runAdminCommand } from './admin/commands.ts';
import { ApiKeyVerifier, countActiveApiKeys } from './api-keys.ts';
import { createApp, type AppState } from './app.ts';
import { handleShutdownSignals, listenOrExit, loadConfigOrExit, logCrashes, openDatabaseOrExit } from './lifecycle.ts';
import { sweepExpiredIdempotencyKeys } from './idempotency.ts';
import { createLogger } from './logging.ts';
import { createRateLimits } from './rate-limits.ts';
import { createMetrics } from './metrics.ts';
import { startTracing } from './tracing.ts';
import { attachProtocolErrorHandlers } from './protocol-errors.ts';
import { createJobQueue } from './jobs.ts';
import { deliveryQueue, startWebhookWorker, type WebhookWorker } from './webhooks.ts';
import { duplicationQueue, startDuplicationWorker, type DuplicationWorker } from './duplications.ts';

/** Expired keys are already ignored when a request comes; the sweep only reclaims their space. */
const IDEMPOTENCY_SWEEP_INTERVAL_MS = 10 * 60_000;

const config = loadConfigOrExit();
const logger = createLogger(config.logLevel);
logCrashes(logger);
// Before the database opens, so that Prisma's instrumentation sees every query.
const tracing = config.otelEndpoint ? await startTracing(config.otelEndpoint, logger) : undefined;
const db = await openDatabaseOrExit(config, logger);
const apiKeys = new ApiKeyVerifier(db.prisma, { maxAgeMs: config.apiKeyCacheMs });
// `npm run keys` / `db:seed` / `db:migrate` started beside this server run here, on its database.
db.dataDirectory?.acceptCommands((request) => runAdminCommand({ db, keysChanged: () => apiKeys.invalidate() }, request));

if ((await countActiveApiKeys(db.prisma)) === 0) {
  logger.warn('No API key exists yet: every /api request will get 401. Create one with: npm run -s keys -- create <name>');
}

const state: AppState = { shuttingDown: false };
const rateLimits = createRateLimits(config, logger);
logger.info({ rateLimits: rateLimits.kind }, rateLimits.kind === 'redis' ? 'rate limits are shared through Redis' : 'rate limits are counted in this process (no REDIS_URL)');
const metrics = config.metricsEnabled ? await createMetrics(db, { token: config.metricsToken }) : undefined;
// Every instance can queue jobs; those with BACKGROUND_JOBS on (the default) also run them. Both
// start once the signal handlers are in place (their first queries would delay them).
const jobs = createJobQueue(db, { ...deliveryQueue(config), ...duplicationQueue(config) }, logger);
let webhooks: WebhookWorker | undefined;
let duplications: DuplicationWorker | undefined;
const app = createApp({ db, config, logger, state, apiKeys, rateLimits, metrics, tracing, jobs, afterChange: () => webhooks?.nudge() });
const server = await listenOrExit(app, config, db, logger);
attachProtocolErrorHandlers(server, logger);
handleShutdownSignals(server, db, state, config, logger, tracing, {
  async stop() {
    await webhooks?.stop();
    await duplications?.stop();
    await jobs.stop();
  },
});
sweepExpiredIdempotencyKeys(db.prisma, IDEMPOTENCY_SWEEP_INTERVAL_MS, logger);
try {
  await jobs.start();
  if (config.backgroundJobs && !state.shuttingDown) webhooks = await startWebhookWorker(db.prisma, jobs, config, logger);
  if (config.backgroundJobs && !state.shuttingDown) duplications = await startDuplicationWorker(db.prisma, jobs, config, logger);
} catch (error) {
  logger.error({ err: error }, 'the job queue did not start: webhooks are not delivered and large clones not copied by this instance');
}
