// Handlers for the change feed: all events, and one project's.
import { eventCursor, readFeed, type FeedQuery } from '../database/event-feed.ts';
import { toEvent } from '../mappers.ts';
import type { Handler } from './types.ts';
import { requireProject } from './shared.ts';

interface FeedParameters {
  type?: string[];
  occurred_from?: string;
  occurred_to?: string;
  after?: string;
  limit?: number;
}

function feedQuery(query: FeedParameters, order: 'asc' | 'desc', projectId?: number): FeedQuery {
  return {
    projectId, types: query.type, occurredFrom: query.occurred_from, occurredTo: query.occurred_to, after: query.after, limit: query.limit ?? 25, order,
  };
}

async function feedPage(...[db, query]: Parameters<typeof readFeed>) {
  const rows = await readFeed(db, query);
  const last = rows.at(-1);
  return { data: rows.map(toEvent), meta: { per_page: query.limit, next_cursor: last ? eventCursor(last) : null } };
}

export const listEvents: Handler<'listEvents'> = async ({ prisma, query }) => {
  const page = await feedPage(prisma, feedQuery(query, query.order ?? 'asc', query.project_id));
  return { status: 200, body: { ...page, message: 'Events retrieved successfully.' } };
};

export const listProjectActivities: Handler<'listProjectActivities'> = async ({ prisma, path, query }) => {
  await requireProject(prisma, path.id);
  const page = await feedPage(prisma, feedQuery(query, query.order ?? 'desc', path.id));
  return { status: 200, body: { ...page, message: 'Activities retrieved successfully.' } };
};
