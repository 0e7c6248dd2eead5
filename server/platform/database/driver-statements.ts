// Statements sent on the pg driver directly (see sendStatementsOn in sql.ts): on the pool that
// Prisma's adapter also uses, or on an interactive transaction's own connection. They answer the
// value types Prisma's raw queries answer, so that callers cannot tell the two ways apart. pg parses
// some types differently: its own parsers are replaced per query (never globally: the adapter's
// queries keep pg's defaults, which Prisma's runtime converts itself).
import type pg from 'pg';
import { Prisma } from '../../../generated/prisma/client.ts';
import type { StatementRunner } from './sql.ts';
import type { StatementNames } from './statement-names.ts';

/** PostgreSQL type oids whose pg default differs from Prisma's raw result. */
const INT8 = 20;
const NUMERIC = 1700;
const DATE = 1082;
const INT8_ARRAY = 1016;
const NUMERIC_ARRAY = 1231;
const DATE_ARRAY = 1182;
const TEXT_ARRAY = 1009;

/** pg reads a `date` as local midnight; Prisma as midnight UTC. */
const utcDate = (text: string) => new Date(`${text}T00:00:00Z`);

function arrayOf<T>(parseArray: (text: string) => string[], parse: (text: string) => T) {
  return (text: string) => parseArray(text).map((item) => (item === null ? null : parse(item)));
}

function rawTypeParsers(types: typeof pg.types): pg.CustomTypesConfig {
  // text[]'s parser gives an array's items as they came (pg's TypeId enum lacks the array oids).
  const parseArray = (text: string) => types.getTypeParser(TEXT_ARRAY as never)(text) as string[];
  const parsers = new Map<number, (text: string) => unknown>([
    [INT8, BigInt],
    [NUMERIC, (text) => new Prisma.Decimal(text)],
    [DATE, utcDate],
    [INT8_ARRAY, arrayOf(parseArray, BigInt)],
    [NUMERIC_ARRAY, arrayOf(parseArray, (text) => new Prisma.Decimal(text))],
    [DATE_ARRAY, arrayOf(parseArray, utcDate)],
  ]);
  return {
    getTypeParser: ((oid: number, format?: string) => parsers.get(oid) ?? types.getTypeParser(oid, format as 'text')) as pg.CustomTypesConfig['getTypeParser'],
  };
}

/** Parameters as Prisma sends them: a Decimal as its digits, a Date as its instant in ISO form. */
function parameterValue(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Prisma.Decimal.isDecimal(value)) return value.toString();
  return value;
}

/** What a statement can be sent on: the pool, or one connection. */
export interface Queryable { query(config: pg.QueryConfig): Promise<{ rows: unknown[]; rowCount: number | null }> }

/** Runs one statement (`run`) inside whatever the observer wraps around it: a tracing span. */
export type StatementObserver = <T>(text: string, run: () => Promise<T>) => Promise<T>;

let observer: StatementObserver | undefined;

/**
 * Tracing (platform/tracing.ts) sees each statement sent here: Prisma's spans cover only what goes
 * through Prisma. Process-wide, as OpenTelemetry's own provider is; undefined stops it.
 */
export function observeDriverStatements(observe: StatementObserver | undefined): void {
  observer = observe;
}

/** Runs statements on `target` with the prepared statement names Prisma's adapter uses (by text). */
export function driverStatements(types: typeof pg.types, statementNames: StatementNames): (target: Queryable) => StatementRunner {
  const typeParsers = rawTypeParsers(types);
  return (target) => (text, parameters) => {
    const run = () => target.query({ text, values: parameters.map(parameterValue), name: statementNames.nameFor(text), types: typeParsers });
    return observer ? observer(text, run) : run();
  };
}
