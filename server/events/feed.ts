// The change feed read in one statement: events in (transaction, id) order, showing only events of
// transactions older than every transaction still running (see the Event model in
// prisma/schema.prisma), so that a cursor walking the feed never passes an event still being written.
import { type InferResult, sql } from 'kysely';
import { validationFailed } from '../core/errors.ts';
import { INVALID_CURSOR_MESSAGE } from '../core/messages.ts';
import { timestampSql } from '../core/dates.ts';
import type { Db } from '../platform/database/transaction.ts';
import { compileOnce, queryRows, sqlBuilder } from '../platform/database/sql.ts';

/**
 * Events as the feed reads them: ids as text (they are bigints), the time already rendered
 * (`2026-06-15T09:30:00.123456Z`: events keep their microseconds, so time filters include their instant).
 */
const eventColumns = () => sqlBuilder.selectFrom('events as e').select((eb) => [
  sql<string>`${eb.ref('e.id')}::text`.as('id'),
  sql<string>`${eb.ref('e.transaction_id')}::text`.as('transaction_id'),
  'e.organization_id', 'e.type', 'e.project_id', 'e.api_key_id', 'e.user_id',
  timestampSql(eb.ref('e.occurred_at'), 'microseconds').as('occurred_at'),
  'e.changed_fields',
  eb.ref('e.previous').$castTo<Record<string, unknown> | null>().as('previous'),
  'e.data',
]);

/** One event as the feed reads it. */
export type EventRow = InferResult<ReturnType<typeof eventColumns>>[number];

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

/** One event by id (a delivery's), visible or not yet. */
export async function findEvent(db: Db, id: bigint): Promise<EventRow | undefined> {
  const rows = await queryRows(db, eventColumns().where('e.id', '=', id));
  return rows[0];
}

export async function readFeed(db: Db, query: FeedQuery): Promise<EventRow[]> {
  const cursor = query.after === undefined ? undefined : parseCursor(query.after);
  const shape: FeedShape = {
    project: query.projectId !== undefined, types: query.types !== undefined, from: Boolean(query.occurredFrom), to: Boolean(query.occurredTo),
    cursor: cursor !== undefined, order: query.order === 'asc' ? 'asc' : 'desc',
  };
  const key = JSON.stringify(shape);
  let statement = feedStatements.get(key);
  if (statement === undefined) feedStatements.set(key, (statement = feedStatement(shape)));
  return queryRows(db, statement(query.projectId, query.types, query.occurredFrom, query.occurredTo, cursor?.t, cursor?.i, query.limit));
}

/** Which conditions a page of the feed has, and its order: at most 64 shapes, each compiled once. */
interface FeedShape { project: boolean; types: boolean; from: boolean; to: boolean; cursor: boolean; order: 'asc' | 'desc' }
const feedStatements = new Map<string, ReturnType<typeof feedStatement>>();

function feedStatement(shape: FeedShape) {
  return compileOnce((projectId?: number, types?: string[], from?: string, to?: string, transactionId?: string, id?: string, limit?: number) => eventColumns()
    .where((eb) => eb('e.transaction_id', '<', sql<bigint>`pg_snapshot_xmin(pg_current_snapshot())::text::bigint`))
    .$if(shape.project, (q) => q.where('e.project_id', '=', projectId!))
    .$if(shape.types, (q) => q.where('e.type', '=', sql<string>`ANY(${types}::text[])`))
    .$if(shape.from, (q) => q.where('e.occurred_at', '>=', sql<Date>`${from}::timestamptz`))
    .$if(shape.to, (q) => q.where('e.occurred_at', '<=', sql<Date>`${to}::timestamptz`))
    .$if(shape.cursor, (q) => q.where((eb) =>
      sql<boolean>`(${eb.ref('e.transaction_id')}, ${eb.ref('e.id')}) ${sql.raw(shape.order === 'asc' ? '>' : '<')} (${transactionId}::bigint, ${id}::bigint)`))
    .orderBy('e.transaction_id', shape.order)
    .orderBy('e.id', shape.order)
    .limit(limit!), 7);
}
