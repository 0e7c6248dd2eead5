// The background job queue: pg-boss on the server's own database, PostgreSQL or the embedded PGlite.
// Jobs are rows in the database, so they survive a restart of the instance that queued them and any
// instance with BACKGROUND_JOBS on runs them.
import type { PgBoss } from 'pg-boss';
import type { Logger } from 'pino';
import type { Database } from './database/connection.ts';
import type { Tx } from './database/transaction.ts';
import { sql } from 'kysely';
import { executeStatement } from './database/sql.ts';
import { asSystem, SERVER_ROLE } from './database/tenancy.ts';

/** Its own schema: pg-boss installs and migrates its tables there, apart from Prisma's. */
export const JOBS_SCHEMA = 'pgboss';
/**
 * How often pg-boss looks for jobs whose instance died mid-run (past their expireInSeconds) and
 * retries them: a killed instance's webhook delivery is retried within this of its expiry.
 */
const SUPERVISE_INTERVAL_SECONDS = 10;

export interface QueueSettings {
  retryLimit: number;
  retryDelay: number;
  retryBackoff: boolean;
  retryDelayMax: number;
  expireInSeconds: number;
}

export interface JobQueue {
  /** pg-boss itself, once `ready` has settled successfully (it throws before). */
  readonly boss: PgBoss;
  /** Settles once pg-boss has started and the queues exist (rejects when it could not start). */
  readonly ready: Promise<void>;
  /** True once `ready` has resolved: a caller inside a transaction can tell without waiting. */
  readonly started: boolean;
  /** Queues jobs inside the caller's transaction: they exist exactly when the transaction commits. */
  insertIn(tx: Tx, queue: string, payloads: object[]): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Creates the queue, to be started (`start()`: installing or migrating pg-boss's schema, creating
 * or updating `queues`) once the server has set up its signal handlers, which its first queries
 * would delay; `ready` tells when it has. pg-boss is loaded by `start()` too: its modules (with
 * OpenTelemetry's API and a calendar library) took 60–90 ms and 8 MB to load, before 'listening'.
 */
export function createJobQueue(db: Database, queues: Record<string, QueueSettings>, logger: Logger): JobQueue & { start(): Promise<void> } {
  let pgBoss: typeof import('pg-boss') | undefined;
  let boss: PgBoss | undefined;
  let started: (() => void) | undefined;
  let failed: ((error: unknown) => void) | undefined;
  const ready = new Promise<void>((resolve, reject) => { started = resolve; failed = reject; });
  ready.catch(() => {});
  let starting: Promise<void> | undefined;
  const startedBoss = () => {
    if (!boss || !pgBoss) throw new Error('The job queue has not started');
    return { boss, pgBoss };
  };
  let isStarted = false;
  return {
    get boss() {
      return startedBoss().boss;
    },
    ready,
    get started() { return isStarted; },
    start() {
      starting ??= (async () => {
        try {
          pgBoss = await import('pg-boss');
          const { fromPglite, PgBoss } = pgBoss;
          boss = db.pglite
            ? new PgBoss({ db: fromPglite(db.pglite), backend: 'pglite', schema: JOBS_SCHEMA, superviseIntervalSeconds: SUPERVISE_INTERVAL_SECONDS })
            // A small pool of its own: workers and maintenance never take the API's connections.
            : new PgBoss({
              connectionString: db.url!, max: 3, schema: JOBS_SCHEMA, application_name: 'projects-api-jobs',
              superviseIntervalSeconds: SUPERVISE_INTERVAL_SECONDS,
            });
          boss.on('error', (error) => logger.error({ err: error }, 'job queue error'));
          await boss.start();
          for (const [name, settings] of Object.entries(queues)) {
            // Created before any transaction sends to it: a send then needs no lookup outside the transaction
            // (on PGlite, with one connection, that lookup would wait for the transaction forever).
            if (await boss.getQueue(name)) await boss.updateQueue(name, settings);
            else await boss.createQueue(name, settings);
          }
          await grantJobTables(db);
          isStarted = true;
          started!();
        } catch (error) {
          failed!(error);
          throw error;
        }
      })();
      return starting;
    },
    async insertIn(tx, queue, payloads) {
      if (payloads.length === 0) return;
      const { boss, pgBoss } = startedBoss();
      await boss.insert(queue, payloads.map((data) => ({ data })), { db: pgBoss.fromPrisma(tx) });
    },
    async stop() {
      await starting?.catch(() => {});
      if (boss) await boss.stop({ graceful: true, timeout: 5000 });
    },
  };
}

/**
 * The server's role (tenancy.ts) queues jobs inside its own transactions (insertIn): the job tables
 * are granted to it. Tables pg-boss makes from now on are by the migrations' default privileges;
 * these are for the ones it made before organizations existed.
 */
async function grantJobTables(db: Database): Promise<void> {
  const [schema, role] = [sql.id(JOBS_SCHEMA), sql.id(SERVER_ROLE)];
  for (const grant of [
    sql`GRANT USAGE ON SCHEMA ${schema} TO ${role}`,
    sql`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${schema} TO ${role}`,
    sql`GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA ${schema} TO ${role}`,
  ]) await asSystem(() => executeStatement(db.prisma, grant));
}

/** Creates the queue and waits until it has started. */
export async function startJobQueue(db: Database, queues: Record<string, QueueSettings>, logger: Logger): Promise<JobQueue> {
  const jobs = createJobQueue(db, queues, logger);
  await jobs.start();
  return jobs;
}
