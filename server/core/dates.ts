// Timestamps and calendar dates as the API writes and reads them.
import { type Expression, type RawBuilder, sql } from 'kysely';
//
// Every timestamp the API shows is the spec's `Timestamp`: UTC with six decimals,
// `2026-06-15T09:30:00.000000Z`. It is made here only: by timestamp() from a Date, or by timestampSql()
// in a query that returns the value as text (the project view, the event feed).

/** `2026-06-15T09:30:00.000000Z`: microsecond timestamps, as the API has always shown them. */
export function timestamp(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** timestamp()'s format in PostgreSQL's `to_char`. */
const SQL_TIMESTAMP_PATTERN = 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"';

/**
 * A statement's part that renders the timestamptz `expression` as timestamp() does. With `milliseconds` (the
 * default) it shows what timestamp() shows for the same value read into a Date, which holds
 * milliseconds: a project's times have always been shown so. `microseconds` keeps PostgreSQL's own,
 * for the event feed's `occurred_at` and for cursors, which must cast back to the exact value.
 */
export function timestampSql<T extends Date | null>(
  expression: Expression<T>, precision: 'milliseconds' | 'microseconds' = 'milliseconds',
): RawBuilder<T extends Date ? string : string | null> {
  const value = precision === 'milliseconds' ? sql`date_trunc('milliseconds', ${expression})` : expression;
  return sql`to_char(${value} AT TIME ZONE 'UTC', ${sql.raw(`'${SQL_TIMESTAMP_PATTERN}'`)})`;
}

/** A `@db.Date` column (midnight UTC) → `YYYY-MM-DD`. */
export function calendarDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** True for a `YYYY-MM-DD` that names a real day (not 2026-02-30). */
export function isCalendarDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const day = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(day.getTime()) && day.toISOString().startsWith(value);
}

/** `YYYY-MM-DD` (already validated) → the Date Prisma stores in a `@db.Date` column. */
export function parseCalendarDate(value: string): Date {
  return new Date(`${value}T00:00:00.000Z`);
}
