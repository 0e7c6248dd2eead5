// The one way SQL reaches the database: statements built with Kysely, typed against the tables that
// prisma-kysely generates from prisma/schema.prisma (generated/kysely/database.ts), so that a column
// renamed or dropped in the schema fails the type check wherever a statement names it.
//
// Kysely here only builds and compiles: no pool, no driver of its own. The compiled text and its
// parameters run through the Prisma client or interactive transaction given, as `$queryRawUnsafe`
// (what prisma-extension-kysely's driver does too, without extending the client's type): Prisma's
// connection, its transactions and their guard (ended-transactions.ts), its parameter serialisation
// and its prepared statement names (statement-names.ts, by text) apply as they did to `$queryRaw`.
// One statement is one round trip, as before. Building and compiling a statement costs microseconds
// (test/typed-sql.test.ts measures it), beside the hundreds that one round trip costs.
import { type Compilable, type CompiledQuery, DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, type RawBuilder } from 'kysely';
import type { DB } from '../../../generated/kysely/database.ts';
import type { Db } from './transaction.ts';

export type { DB } from '../../../generated/kysely/database.ts';

/** Builds statements over the schema's tables; never connects (its driver is a dummy). */
export const sqlBuilder = new Kysely<DB>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});

/** A statement: a query builder's, or SQL text written with Kysely's `sql` tag (its values bound as parameters). */
export type Statement<Row> = Compilable<Row> | RawBuilder<Row>;

/** The text and parameters of a statement, as they are sent. */
export function compileStatement<Row>(statement: Statement<Row>): CompiledQuery<Row> {
  return 'isRawBuilder' in statement ? statement.compile(sqlBuilder) : statement.compile();
}

/**
 * The rows of `query`, run in `db` (the client, or the transaction it belongs to). Row types follow
 * the generated tables, with Prisma's raw results: Date for timestamps and dates, Decimal for
 * numeric, bigint for int8, parsed JSON.
 */
export function queryRows<Row>(db: Db, query: Statement<Row>): Promise<Row[]> {
  const { sql, parameters } = compileStatement(query);
  return db.$queryRawUnsafe<Row[]>(sql, ...parameters);
}

/** Runs a statement for its effect in `db`; returns the count of rows it changed. */
export function executeStatement(db: Db, query: Statement<unknown>): Promise<number> {
  const { sql, parameters } = compileStatement(query);
  return db.$executeRawUnsafe(sql, ...parameters);
}
