// The one composition root: the HTTP app and the work beside it (API keys, rate limits, metrics, the job
// queue, the webhook and duplication workers), built from a configuration and an open database.
// server/main.ts runs it as the process; the tests build every in-process server through it.
import type { Express } from 'express';
import type { Logger } from 'pino';
import { ApiKeyVerifier } from './api-keys/store.ts';
import { createApp } from './http/app.ts';
import { sweepExpiredIdempotencyKeys } from './http/idempotency.ts';
import { createMetrics } from './http/metrics.ts';
import { createRateLimits, type RateLimits } from './http/rate-limits.ts';
import type { Config } from './platform/config.ts';
import type { Database } from './platform/database/connection.ts';
import { createJobQueue, type JobQueue } from './platform/job-queue.ts';
import type { AppState } from './platform/lifecycle.ts';
import type { Tracing } from './platform/tracing.ts';
import { duplicationQueue, startDuplicationWorker, type DuplicationWorker } from './projects/duplication/jobs.ts';
import { deliveryQueue, startWebhookWorker, type WebhookWorker } from './webhooks/delivery.ts';

/** Expired keys are already ignored when a request comes; the sweep only reclaims their space. */
const IDEMPOTENCY_SWEEP_INTERVAL_MS = 10 * 60_000;

export interface RuntimeOptions {
  config: Config;
  db: Database;
  logger: Logger;
  state?: AppState;
  /** OpenTelemetry tracing, started before the database opened (so that Prisma's queries are seen). */
  tracing?: Tracing;
  /**
   * False: no job queue at all (operations that queue work answer 503). Otherwise every instance can
   * queue jobs, and with BACKGROUND_JOBS on (the default) runs them too, once `startBackground()` is called.
   */
  jobQueue?: boolean;
}

export interface Runtime {
  app: Express;
  apiKeys: ApiKeyVerifier;
  rateLimits: RateLimits;
  jobs: JobQueue | undefined;
  /** Starts the job queue and, with BACKGROUND_JOBS, the webhook relay and deliveries and background clones. */
  startBackground(): Promise<void>;
  /** Stops the background work (the HTTP server and the database are the caller's). */
  stopBackground(): Promise<void>;
  /** Stops the background work and the rate limits' connection. */
  close(): Promise<void>;
}

export async function createRuntime({ config, db, logger, state, tracing, jobQueue = true }: RuntimeOptions): Promise<Runtime> {
  const apiKeys = new ApiKeyVerifier(db.prisma, { maxAgeMs: config.apiKeyCacheMs });
  const rateLimits = createRateLimits(config, logger);
  const metrics = config.metricsEnabled ? await createMetrics(db, { token: config.metricsToken }) : undefined;
  const jobs = jobQueue ? createJobQueue(db, { ...deliveryQueue(config), ...duplicationQueue(config) }, logger) : undefined;
  let webhooks: WebhookWorker | undefined;
  let duplications: DuplicationWorker | undefined;
  let sweep: NodeJS.Timeout | undefined;
  const app = createApp({ db, config, logger, state, apiKeys, rateLimits, metrics, tracing, jobs, afterChange: () => webhooks?.nudge() });
  const stopBackground = async () => {
    clearInterval(sweep);
    await webhooks?.stop();
    await duplications?.stop();
    await jobs?.stop();
  };
  return {
    app,
    apiKeys,
    rateLimits,
    jobs,
    async startBackground() {
      sweep = sweepExpiredIdempotencyKeys(db.prisma, IDEMPOTENCY_SWEEP_INTERVAL_MS, logger);
      if (!jobs) return;
      await jobs.start();
      if (config.backgroundJobs && !state?.shuttingDown) webhooks = await startWebhookWorker(db.prisma, jobs, config, logger);
      if (config.backgroundJobs && !state?.shuttingDown) duplications = await startDuplicationWorker(db.prisma, jobs, config, logger);
    },
    stopBackground,
    async close() {
      await stopBackground();
      await rateLimits.close();
    },
  };
}
