// The API's one timestamp format (the spec's Timestamp: UTC, six decimals), made by timestamp() from a
// Date and by timestampSql() in PostgreSQL: both must write the same text for the same instant.
import { PGlite } from '@electric-sql/pglite';
import { afterAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { timestamp, timestampSql } from '../../../server/core/dates.ts';
import { compileStatement } from '../../../server/platform/database/sql.ts';

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const pg = new PGlite();
afterAll(async () => { await pg.close(); });

async function inSql(expression: string, precision?: 'milliseconds' | 'microseconds'): Promise<string> {
  const { sql: text, parameters } = compileStatement(sql<{ at: string }>`SELECT ${timestampSql(sql.raw<Date>(expression), precision)} AS at`);
  const { rows } = await pg.query<{ at: string }>(text, [...parameters]);
  return rows[0]!.at;
}

describe('timestamps', () => {
  it('timestamp() writes a Date with six decimals, in UTC', () => {
    expect(timestamp(new Date('2026-06-15T11:30:00.120+02:00'))).toBe('2026-06-15T09:30:00.120000Z');
    expect(timestamp(new Date(0))).toMatch(TIMESTAMP);
  });

  it('timestampSql() writes what timestamp() writes for the value read into a Date', async () => {
    expect(await inSql(`TIMESTAMPTZ '2026-06-15 11:30:00.123456+02'`)).toBe(timestamp(new Date('2026-06-15T09:30:00.123Z')));
    expect(await inSql(`TIMESTAMPTZ '2026-12-31 23:59:59.999999+00'`)).toBe('2026-12-31T23:59:59.999000Z');
  });

  it('timestampSql() keeps the microseconds when asked (the event feed, cursors)', async () => {
    expect(await inSql(`TIMESTAMPTZ '2026-06-15 11:30:00.123456+02'`, 'microseconds')).toBe('2026-06-15T09:30:00.123456Z');
    expect(await inSql('now()', 'microseconds')).toMatch(TIMESTAMP);
  });
});
