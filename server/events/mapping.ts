// Events in the API's shape.
import type { components } from '../../generated/api-types.ts';
import type { EventRow } from './feed.ts';

type Schemas = components['schemas'];

/**
 * An event as the feed read it: its data and previous values were stored in the API's shapes, the
 * data in the shape of its type (server/platform/outbox.ts's insertEvent takes them together).
 */
export function toEvent(row: EventRow): Schemas['Event'] {
  return {
    id: Number(row.id),
    type: row.type,
    occurred_at: row.occurred_at,
    project_id: row.project_id,
    api_key_id: row.api_key_id,
    user_id: row.user_id,
    changed_fields: row.changed_fields,
    previous: row.previous,
    data: row.data,
  } as Schemas['Event'];
}
