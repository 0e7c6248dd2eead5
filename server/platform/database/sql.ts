// The one way SQL reaches the database: statements built with Kysely, typed against the tables that
// prisma-kysely generates from prisma/schema.prisma (generated/kysely/database.ts), so that a column
// renamed or dropped in the schema fails the type check wherever a statement names it.
//
// Kysely here only builds and compiles: no pool, no driver of its own. The compiled text and its
// parameters run in the Prisma client or interactive transaction given: on PostgreSQL on the pg
// driver beneath it (sendStatementsOn), elsewhere as `$queryRawUnsafe` (what prisma-extension-kysely's
// driver does too, without extending the client's type). Either way Prisma's connections, its
// transactions and their guard (ended-transactions.ts), its value types and its prepared statement
// names (statement-names.ts, by text) apply as they did to `$queryRaw`.
// One statement is one round trip, as before. Building and compiling a small statement costs about
// 10 µs (test/typed-sql.test.ts measures it); a large one (the project view: 0.6 ms) is compiled once
// (compileOnce) and sent again with each call's values.
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

/** A statement: a query builder's, SQL text written with Kysely's `sql` tag (its values bound as parameters), or either compiled. */
export type Statement<Row> = Compilable<Row> | RawBuilder<Row> | CompiledQuery<Row>;

/** The text and parameters of a statement, as they are sent. */
export function compileStatement<Row>(statement: Statement<Row>): CompiledQuery<Row> {
  if ('isRawBuilder' in statement) return statement.compile(sqlBuilder);
  return 'compile' in statement ? statement.compile() : statement;
}

/**
 * A statement built and compiled once, then sent with each call's values: `build` gets placeholders,
 * which it may only bind as values (never read or branch on), and the text stays the same (so its
 * prepared statement name too). For statements whose building costs more than their values change.
 */
export function compileOnce<Args extends unknown[], Row>(build: (...args: Args) => Statement<Row>, arity = build.length): (...args: Args) => CompiledQuery<Row> {
  let compiled: CompiledQuery<Row> | undefined;
  let slots: number[] = [];
  return (...args) => {
    if (compiled === undefined) {
      const placeholders = Array.from({ length: arity }, (_, slot) => ({ slot }));
      compiled = compileStatement(build(...(placeholders as Args)));
      slots = compiled.parameters.map((value) => placeholders.indexOf(value as { slot: number }));
      if (slots.includes(-1)) throw new Error('compileOnce: the statement binds a value that is not one of its arguments');
    }
    return { ...compiled, parameters: slots.map((slot) => args[slot]) };
  };
}

/** Runs one statement on the driver directly, with Prisma's raw value types (driver-statements.ts). */
export type StatementRunner = (text: string, parameters: readonly unknown[]) => Promise<{ rows: unknown[]; rowCount: number | null }>;

const runners = new WeakMap<object, StatementRunner>();

/**
 * Sends the statements run in `db` (the Prisma client, or one of its interactive transactions)
 * straight to the driver: the client's on the pg pool its adapter uses, a transaction's on that
 * transaction's connection (through its guard, ended-transactions.ts). Prisma's client runtime cost
 * 0.2–0.3 ms of CPU per raw statement over the driver's own (profiled under the shared benchmark),
 * for nothing a single statement needs: Prisma still begins, commits and times out every
 * transaction, and its model queries run through it as before.
 */
export function sendStatementsOn(db: object, runner: StatementRunner): void {
  runners.set(db, runner);
}

/** `alias`, a stand-in for `db` (the transaction a handler joins), sends its statements where `db` sends them. */
export function sendStatementsAsIn(alias: object, db: object): void {
  const runner = runners.get(db);
  if (runner) runners.set(alias, runner);
}

/**
 * The rows of `query`, run in `db` (the client, or the transaction it belongs to). Row types follow
 * the generated tables, with Prisma's raw results: Date for timestamps and dates, Decimal for
 * numeric, bigint for int8, parsed JSON.
 */
export function queryRows<Row>(db: Db, query: Statement<Row>): Promise<Row[]> {
  const { sql, parameters } = compileStatement(query);
  const runner = runners.get(db);
  if (runner) return runner(sql, parameters).then((result) => result.rows as Row[]);
  return db.$queryRawUnsafe<Row[]>(sql, ...parameters);
}

/** Runs a statement for its effect in `db`; returns the count of rows it changed. */
export function executeStatement(db: Db, query: Statement<unknown>): Promise<number> {
  const { sql, parameters } = compileStatement(query);
  const runner = runners.get(db);
  if (runner) return runner(sql, parameters).then((result) => result.rowCount ?? 0);
  return db.$executeRawUnsafe(sql, ...parameters);
}
