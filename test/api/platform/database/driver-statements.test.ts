// Statements built in sql.ts answer alike whichever way they reach the database: through Prisma's raw
// queries, or (on PostgreSQL) on the pg driver directly, on the pool or on a transaction's own
// connection (server/platform/database/driver-statements.ts), which its guard still closes at its end.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../../../server/platform/database/connection.ts';
import type { Queryable } from '../../../../server/platform/database/driver-statements.ts';
import { refuseStatementsAfterTransactionEnd } from '../../../../server/platform/database/ended-transactions.ts';
import { queryRows, sqlBuilder } from '../../../../server/platform/database/sql.ts';
import { joiningTransaction } from '../../../../server/http/idempotency.ts';
import { startTestServer, type TestServer } from '../../../helpers/server.ts';

const DATABASE_URL = process.env.DATABASE_URL;

/** One value of each type whose JavaScript form pg and Prisma's raw queries could choose differently. */
const EVERY_KIND = sql<Record<string, unknown>>`SELECT 9007199254740993::int8 AS int8, 12.50::numeric(14, 2) AS amount, DATE '2026-02-28' AS day,
  TIMESTAMPTZ '2026-12-07 10:11:12.345678+00' AS at, ARRAY[1, 2]::int8[] AS int8s, ARRAY[1.5, NULL]::numeric[] AS amounts,
  ARRAY[DATE '2026-01-01']::date[] AS days, ARRAY['a', NULL, 'c d']::text[] AS texts, '{"a": [1, {"b": null}]}'::jsonb AS document,
  true AS flag, NULL::int AS nothing, 7::int AS int4, 2.5::float8 AS float, ${new Date('2026-03-01T00:00:00Z')}::timestamptz AS bound_at,
  ${'text'}::text AS bound_text, ${[1, 2]}::int[] AS bound_ints`;

describe('a typed statement', () => {
  let t: TestServer;
  beforeAll(async () => { t = await startTestServer(); });
  afterAll(async () => { await t?.close(); });

  it('answers the values Prisma’s raw query answers, on the client and in a transaction', async () => {
    const { sql: text, parameters } = EVERY_KIND.compile(sqlBuilder);
    const throughPrisma = await t.db.prisma.$queryRawUnsafe(text, ...parameters);
    expect(await queryRows(t.db.prisma, EVERY_KIND)).toEqual(throughPrisma);
    expect(await t.db.prisma.$transaction((tx) => queryRows(tx, EVERY_KIND))).toEqual(throughPrisma);
  });
});

if (DATABASE_URL) describe('PostgreSQL: a typed statement in a transaction', () => {
  let db: Database;
  beforeAll(async () => { db = await openDatabase({ databaseUrl: DATABASE_URL, pgliteDataDir: '', databasePoolSize: 2 }); });
  afterAll(async () => { await db?.close(); });

  it('runs on the transaction’s own connection, through the driver: its error is pg’s, with the SQLSTATE', async () => {
    const pids = await db.prisma.$transaction(async (tx) => ({
      prisma: (await tx.$queryRaw<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`)[0]!.pid,
      typed: (await queryRows(tx, sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`))[0]!.pid,
    }));
    expect(pids.typed).toBe(pids.prisma);
    const failure = await db.prisma.$transaction((tx) => queryRows(tx, sql`SELECT 1 / ${0}::int`)).then(() => undefined, (error: unknown) => error as Error & { code?: string });
    expect(failure).toMatchObject({ code: '22012' });
    expect(failure?.name).not.toMatch(/^PrismaClient/);
  });

  it('runs there too when sent by a handler that joined the transaction (server/http/idempotency.ts)', async () => {
    const failure = await db.prisma.$transaction((tx) => queryRows(joiningTransaction(tx), sql`SELECT 1 / ${0}::int`))
      .then(() => undefined, (error: unknown) => error as Error & { code?: string });
    expect(failure).toMatchObject({ code: '22012' });
    expect(failure?.name).not.toMatch(/^PrismaClient/);
  });

  it('is refused on the connection once the transaction has ended, and never reaches the database', async () => {
    const adapter = await refuseStatementsAfterTransactionEnd(db.adapterFactory).connect();
    try {
      const tx = await adapter.startTransaction();
      const connection = (tx as unknown as { connection(): Queryable | undefined }).connection();
      expect(connection).toBeDefined();
      expect((await connection!.query({ text: 'SELECT 1 AS one' })).rows).toEqual([{ one: 1 }]);
      await tx.executeRaw({ sql: 'ROLLBACK', args: [], argTypes: [] });
      await tx.rollback();
      await expect(connection!.query({ text: 'SELECT 1 AS one' })).rejects.toMatchObject({ cause: { kind: 'TransactionAlreadyClosed' } });
    } finally {
      await adapter.dispose();
    }
  });
});
