// A page of the feed in the API's shape, from the feed's query parameters.
import { eventCursor, readFeed, type FeedQuery } from './feed.ts';
import { toEvent } from './mapping.ts';

interface FeedParameters {
  type?: string[];
  occurred_from?: string;
  occurred_to?: string;
  after?: string;
  limit?: number;
}

export function feedQuery(query: FeedParameters, order: 'asc' | 'desc', projectId?: number): FeedQuery {
  return {
    projectId, types: query.type, occurredFrom: query.occurred_from, occurredTo: query.occurred_to, after: query.after, limit: query.limit ?? 25, order,
  };
}

export async function feedPage(...[db, query]: Parameters<typeof readFeed>) {
  const rows = await readFeed(db, query);
  const last = rows.at(-1);
  return { data: rows.map(toEvent), meta: { per_page: query.limit, next_cursor: last ? eventCursor(last) : null } };
}
