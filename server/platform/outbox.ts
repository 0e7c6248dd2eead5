// The outbox: events written in the transaction of the change they record; the feed, webhooks and activities read them.
import type { components } from '../../generated/api-types.ts';
import { type ExpressionBuilder, sql } from 'kysely';
import type { Tx } from './database/transaction.ts';
import { compileOnce, type DB, queryRows, sqlBuilder } from './database/sql.ts';

type Schemas = components['schemas'];
export type EventType = Schemas['EventType'];

/** The events of type `T` (of any of the types, for a union): the spec ties each type to its `data`. */
export type EventOf<T extends EventType> = Schemas['Event'] extends infer E
  ? E extends { type: infer Types } ? (T extends Types ? E : never) : never
  : never;

/** What an event of type `T` carries as `data`. */
export type EventData<T extends EventType = EventType> = EventOf<T>['data'];

/** What a change records, before the database adds its id, transaction and time. */
export interface EventDraft<T extends EventType = EventType> {
  projectId: number | null;
  data: EventData<T>;
  changedFields: string[];
  previous: Record<string, unknown> | null;
}

/**
 * Who an event records as making the change: the API key and the team user it acts as (a request's
 * Caller). A background clone's user is that of the key that queued it; null for one queued before
 * duplications recorded it, whose key is gone.
 */
export interface Actor { apiKeyId: number; userId: number | null }

/** A new resource: no fields changed, no previous values. */
export function newResourceEvent<T extends EventType = EventType>(projectId: number | null, data: EventData<T>): EventDraft<T> {
  return { projectId, data, changedFields: [], previous: null };
}

/**
 * Returned by each statement that writes an event: whether the organization (row-level security
 * limits the subquery to it) has a webhook subscription enabled, so that the change wakes the relay
 * only when it has someone to tell, and without a round trip of its own.
 */
export function organizationSubscribed<TB extends keyof DB>(eb: ExpressionBuilder<DB, TB>) {
  return eb.exists(sqlBuilder.selectFrom('webhook_subscriptions').select(sql.lit(1).as('one')).where('webhook_subscriptions.enabled', '=', sql.lit(true))).$castTo<boolean>().as('subscribed');
}

/**
 * Writes one event in `tx`: for changes made outside a request too (a background clone's). Answers
 * whether a webhook subscription of the organization is enabled (organizationSubscribed).
 */
export async function insertEvent<T extends EventType>(tx: Tx, type: T, actor: Actor, draft: EventDraft<T>): Promise<boolean> {
  // Raw: the model's createMany costs more per call in Prisma than the statement itself (the JSON
  // columns go through its query planner); the row is the same.
  const [written] = await queryRows(tx, insertStatement(type, draft.projectId, actor.apiKeyId, actor.userId, draft.changedFields,
    draft.previous === null ? null : JSON.stringify(draft.previous), JSON.stringify(draft.data)));
  return written!.subscribed;
}

/** Built and compiled once: it runs on every change. */
const insertStatement = compileOnce((type: EventType, projectId: number | null, apiKeyId: number, userId: number | null, changedFields: string[], previous: string | null, data: string) =>
  sqlBuilder.insertInto('events').values({
    type,
    project_id: projectId,
    api_key_id: apiKeyId,
    user_id: userId,
    changed_fields: sql<string[]>`${changedFields}::text[]`,
    previous: sql`${previous}::jsonb`,
    data: sql`${data}::jsonb`,
  }).returning(organizationSubscribed));
