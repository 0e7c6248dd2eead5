// The change feed read in one statement: events in (transaction, id) order, showing only events of
// transactions older than every transaction still running (see the Event model in
// prisma/schema.prisma), so that a cursor walking the feed never passes an event still being written.
import { Prisma } from '../../generated/prisma/client.ts';
import { validationFailed } from '../core/errors.ts';
import { INVALID_CURSOR_MESSAGE } from '../core/messages.ts';
import { timestampSql } from '../core/dates.ts';
import type { Db } from '../platform/database/transaction.ts';

/** One event as the feed reads it: ids as text (they are bigints), the time already rendered. */
export interface EventRow {
  id: string;
  transaction_id: string;
  type: string;
  project_id: number | null;
  api_key_id: number;
  /** `2026-06-15T09:30:00.123456Z`: events keep their microseconds, so time filters include their instant. */
  occurred_at: string;
  changed_fields: string[];
  previous: Record<string, unknown> | null;
  data: unknown;
}

export interface FeedQuery {
  projectId?: number;
  types?: string[];
  occurredFrom?: string;
  occurredTo?: string;
  after?: string;
  limit: number;
  order: 'asc' | 'desc';
}

/** Where an `after` cursor points: the last event of the previous page. */
interface FeedCursor { t: string; i: string }

const DIGITS = /^[1-9]\d{0,18}$/;

export function eventCursor(row: EventRow): string {
  const cursor: FeedCursor = { t: row.transaction_id, i: row.id };
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function parseCursor(text: string): FeedCursor {
  try {
    const cursor = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Partial<FeedCursor> | null;
    if (typeof cursor?.t === 'string' && typeof cursor.i === 'string' && DIGITS.test(cursor.t) && DIGITS.test(cursor.i)) {
      return { t: cursor.t, i: cursor.i };
    }
  } catch {
    // not base64url JSON: refused below
  }
  throw validationFailed({ after: [INVALID_CURSOR_MESSAGE] });
}

const EVENT_COLUMNS = Prisma.raw(`
SELECT e.id::text AS id, e.transaction_id::text AS transaction_id, e.type, e.project_id, e.api_key_id,
       ${timestampSql('e.occurred_at', 'microseconds')} AS occurred_at,
       e.changed_fields, e.previous, e.data`);

/** One event by id (a delivery's), visible or not yet. */
export async function findEvent(db: Db, id: bigint): Promise<EventRow | undefined> {
  const rows = await db.$queryRaw<EventRow[]>`${EVENT_COLUMNS} FROM events e WHERE e.id = ${id}`;
  return rows[0];
}

export async function readFeed(db: Db, query: FeedQuery): Promise<EventRow[]> {
  const conditions: Prisma.Sql[] = [Prisma.sql`e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())::text::bigint`];
  if (query.projectId !== undefined) conditions.push(Prisma.sql`e.project_id = ${query.projectId}`);
  if (query.types) conditions.push(Prisma.sql`e.type = ANY(${query.types}::text[])`);
  if (query.occurredFrom) conditions.push(Prisma.sql`e.occurred_at >= ${query.occurredFrom}::timestamptz`);
  if (query.occurredTo) conditions.push(Prisma.sql`e.occurred_at <= ${query.occurredTo}::timestamptz`);
  if (query.after) {
    const { t, i } = parseCursor(query.after);
    conditions.push(query.order === 'asc'
      ? Prisma.sql`(e.transaction_id, e.id) > (${t}::bigint, ${i}::bigint)`
      : Prisma.sql`(e.transaction_id, e.id) < (${t}::bigint, ${i}::bigint)`);
  }
  const direction = Prisma.raw(query.order === 'asc' ? 'ASC' : 'DESC');
  return db.$queryRaw<EventRow[]>`
    ${EVENT_COLUMNS} FROM events e
     WHERE ${Prisma.join(conditions, ' AND ')}
     ORDER BY e.transaction_id ${direction}, e.id ${direction}
     LIMIT ${query.limit}`;
}
