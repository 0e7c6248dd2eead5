// Handlers for the feed: every event of the account (one project's are its activities: server/projects/activities).
import type { Handler } from '../contract/operations.ts';
import { feedPage, feedQuery } from './page.ts';

export const listEvents: Handler<'listEvents'> = async ({ prisma, query }) => {
  const page = await feedPage(prisma, feedQuery(query, query.order ?? 'asc', query.project_id));
  return { status: 200, body: { ...page, message: 'Events retrieved successfully.' } };
};
