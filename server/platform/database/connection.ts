// Opens the configured database: PostgreSQL through @prisma/adapter-pg, or the embedded PGlite.
// Each driver is imported only when it is the one configured: the other's modules cost start-up
// time and memory for nothing (PGlite and its adapter took 50–75 ms and 3 MB to load on a PostgreSQL start).
import type { PGlite } from '@electric-sql/pglite';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import type pg from 'pg';
import { PrismaClient } from '../../../generated/prisma/client.ts';
import type { Config } from '../config.ts';
import { claimDataDirectory, type DataDirectoryClaim } from './data-directory.ts';
import { refuseStatementsAfterTransactionEnd, transactionConnections } from './ended-transactions.ts';
import { within } from '../../core/time-limit.ts';
import { driverStatements } from './driver-statements.ts';
import { scopedClient, scopedPglite, scopedPool } from './scoped-connections.ts';
import { sendStatementsOn } from './sql.ts';
import { StatementNames } from './statement-names.ts';

export interface Database {
  prisma: PrismaClient;
  /** The adapter factory, also used by the schema engine to migrate the same database. */
  adapterFactory: SqlMigrationAwareDriverAdapterFactory;
  kind: 'postgresql' | 'pglite';
  /** How many requests the database serves at once (the pool size; PGlite has one connection). */
  capacity: number;
  /** The PostgreSQL connection pool's size and current use (for /metrics); PGlite has none. */
  pool?: { max: number; stats(): { inUse: number; idle: number; waiting: number } };
  /** The embedded database, as the system sees it (the job queue talks to it directly); absent on PostgreSQL. */
  pglite?: PGlite;
  /** The PostgreSQL URL (the job queue opens its own small pool); absent on PGlite. */
  url?: string;
  /** An embedded database kept in a directory: this process's exclusive hold on it. */
  dataDirectory?: DataDirectoryClaim;
  /**
   * True when the database answers `SELECT 1` within PING_TIMEOUT_MS (for /readyz). On PostgreSQL
   * the ping has a connection of its own, so it never waits behind requests for the pool's; on
   * PGlite it waits for the one connection like every request (a transaction holds it).
   */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** How long a ping waits for the database's answer (/readyz answers 503 after it). */
export const PING_TIMEOUT_MS = 1000;

/**
 * A ping that waits at most PING_TIMEOUT_MS for `query`. Pings share the query in flight rather
 * than send one each: a query that outlives its ping (a frozen database, PGlite's connection held)
 * would otherwise pile up another one behind it on every poll.
 */
function pinger(query: () => Promise<unknown>): () => Promise<boolean> {
  let inFlight: Promise<boolean> | undefined;
  return async () => {
    inFlight ??= query().then(() => true, () => false).finally(() => { inFlight = undefined; });
    return within(inFlight, PING_TIMEOUT_MS, false);
  };
}

type DatabaseTimeouts = Pick<Config, 'databaseConnectTimeoutMs' | 'databaseQueryTimeoutMs' | 'databaseTransactionTimeoutMs'>;
/** Without the timeouts (scripts, tests opening a second handle), the libraries' defaults apply. */
export type DatabaseOptions = Pick<Config, 'databaseUrl' | 'pgliteDataDir' | 'databasePoolSize'> & Partial<DatabaseTimeouts & Pick<Config, 'databasePreparedStatements'>> & {
  /** The embedded database's contents to start from (a PGlite `dumpDataDir()`) instead of an empty one (tests start from one migrated copy). */
  pgliteLoadDataDir?: Blob;
};

/**
 * pg's query_timeout rejects the query but leaves it running on the connection: a ROLLBACK queued
 * behind it would wait for its own timeout, and the connection could go back to the pool with the
 * transaction still open. Ending the connection fails everything queued on it at once, and the
 * pool discards an ended client on release instead of reusing it.
 */
function endOnTimeoutClient(Client: typeof pg.Client): typeof pg.Client {
  return class EndOnTimeoutClient extends Client {
    override query(...args: unknown[]): never {
      const result = (super.query as (...a: unknown[]) => unknown)(...args);
      if (result instanceof Promise) {
        result.catch((error: Error) => { if (error?.message === 'Query read timeout') void this.end(); });
      }
      return result as never;
    }
  };
}

async function openPostgres(config: DatabaseOptions & { databaseUrl: string }): Promise<Database> {
  const [{ default: pg }, { PrismaPg }] = await Promise.all([import('pg'), import('@prisma/adapter-pg')]);
  // The server's statements run in their organization (tenancy.ts); the migrations, the job queue
  // and the readiness probe have connections of their own, as the user DATABASE_URL names.
  const pool = new (scopedPool(pg.Pool))({
    connectionString: config.databaseUrl,
    max: config.databasePoolSize,
    // Bounds opening a connection and also waiting for a free one (pg uses one setting for both).
    connectionTimeoutMillis: config.databaseConnectTimeoutMs,
    // statement_timeout: PostgreSQL cancels a slow statement itself and the connection stays usable;
    // query_timeout: the client stops waiting for a server that does not answer at all.
    statement_timeout: config.databaseQueryTimeoutMs,
    query_timeout: config.databaseQueryTimeoutMs,
    Client: scopedClient(endOnTimeoutClient(pg.Client)),
  });
  // An idle connection that the server closes emits 'error' on the pool: without a listener that
  // would end the process. The pool has already discarded the connection; the next query opens another.
  pool.on('error', () => {});
  const statementNames = new StatementNames(config.databasePreparedStatements ?? 0);
  // The adapter's type asks for a string; undefined (pg's unnamed statement) is what it passes on for "no name".
  const statementNameGenerator = (query: { sql: string }) => statementNames.nameFor(query.sql) as string;
  const adapter = refuseStatementsAfterTransactionEnd(new PrismaPg(pool, { statementNameGenerator }));
  const prisma = new PrismaClient({ adapter, transactionOptions: transactionOptions(config) });
  // The statements built in sql.ts go to the driver: the client's on the pool, a transaction's on its connection.
  const onDriver = driverStatements(pg.types, statementNames);
  sendStatementsOn(prisma, onDriver(pool));
  transactionConnections(prisma, (tx: object, connection) => sendStatementsOn(tx, onDriver(connection)));
  // Migrations get their own connections, ended after use (the session holds the migration advisory
  // lock), without the statement timeouts: a migration, or waiting for another instance's, may take long.
  const adapterFactory = new PrismaPg({ connectionString: config.databaseUrl, max: config.databasePoolSize, connectionTimeoutMillis: config.databaseConnectTimeoutMs });
  // Readiness has a connection of its own: through the request pool its `SELECT 1` queued behind
  // requests for a connection (/readyz took 2–7 s at DATABASE_POOL_SIZE=2 under a burst, and said
  // 503 of a database that was only busy). A pool of one opens it on the first ping, keeps it open
  // while idle, and replaces it once broken: a ping that times out ends it (endOnTimeoutClient), as
  // the connection to a frozen server may never answer again. Its timeouts bound a connection
  // attempt and a query to the ping's own limit.
  const probe = new pg.Pool({
    connectionString: config.databaseUrl,
    max: 1,
    idleTimeoutMillis: 0,
    connectionTimeoutMillis: PING_TIMEOUT_MS,
    query_timeout: PING_TIMEOUT_MS,
    application_name: 'projects-api-readiness',
    Client: endOnTimeoutClient(pg.Client),
  });
  probe.on('error', () => {});
  return {
    prisma,
    adapterFactory,
    kind: 'postgresql',
    url: config.databaseUrl,
    capacity: config.databasePoolSize,
    pool: {
      max: config.databasePoolSize,
      stats: () => ({ inUse: pool.totalCount - pool.idleCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    },
    ping: pinger(() => probe.query('SELECT 1')),
    close: async () => {
      await prisma.$disconnect();
      // An external pool is not ended by the adapter.
      await Promise.all([pool.end(), probe.end()]);
    },
  };
}

function transactionOptions(config: Partial<DatabaseTimeouts>) {
  return { maxWait: config.databaseConnectTimeoutMs, timeout: config.databaseTransactionTimeoutMs };
}

/**
 * PostgreSQL's page cache inside the embedded database. PGlite allocates (and touches) all of it in
 * the process's WebAssembly memory at start, which never shrinks: initdb's 128 MB default was 100 MB
 * of the server's resident memory (README, Memory). Pages it does not hold are read again from the
 * operating system's file cache.
 */
export const PGLITE_SHARED_BUFFERS = '16MB';

/** An embedded PostgreSQL with the extensions the migrations use (pg_trgm backs the title search). */
export async function createPglite(dataDir: string, loadDataDir?: Blob): Promise<PGlite> {
  const [{ PGlite }, { pg_trgm }] = await Promise.all([import('@electric-sql/pglite'), import('@electric-sql/pglite/contrib/pg_trgm')]);
  const startParams = [...PGlite.defaultStartParams, '-c', `shared_buffers=${PGLITE_SHARED_BUFFERS}`];
  return PGlite.create(dataDir, { extensions: { pg_trgm }, loadDataDir, startParams });
}

/**
 * `role` names this process to others that find the embedded database's directory taken
 * (`server`, `keys create`, …); opening a directory another process owns throws DataDirectoryInUse.
 */
export async function openDatabase(config: DatabaseOptions, role = 'server'): Promise<Database> {
  if (config.databaseUrl) return openPostgres({ ...config, databaseUrl: config.databaseUrl });
  const dataDirectory = config.pgliteDataDir.startsWith('memory://') ? undefined : await claimDataDirectory(config.pgliteDataDir, role);
  let pglite: PGlite;
  try {
    pglite = await createPglite(dataDirectory?.directory ?? config.pgliteDataDir, config.pgliteLoadDataDir);
  } catch (error) {
    await dataDirectory?.release();
    throw error;
  }
  const { PrismaPGlite } = await import('pglite-prisma-adapter');
  // One session for all: the server's statements in their organization, the rest as the system (tenancy.ts).
  const scoped = scopedPglite(pglite);
  const prisma = new PrismaClient({ adapter: refuseStatementsAfterTransactionEnd(new PrismaPGlite(scoped.app)), transactionOptions: transactionOptions(config) });
  return {
    prisma,
    adapterFactory: new PrismaPGlite(scoped.system),
    kind: 'pglite',
    pglite: scoped.system,
    capacity: 1,
    dataDirectory,
    // PGlite has one connection, which a transaction holds to its end: the ping waits for it like
    // any request, so a transaction longer than PING_TIMEOUT_MS makes /readyz 503. Nothing else
    // stands between the ping and the database, which runs in this very process.
    ping: pinger(() => pglite.query('SELECT 1')),
    close: async () => {
      try {
        await prisma.$disconnect();
        await pglite.close();
      } finally {
        // Only once the files are closed may another process open them.
        await dataDirectory?.release();
      }
    },
  };
}
