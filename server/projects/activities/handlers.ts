// Handlers for a project's activities: its events, the part of the feed about that project.
import type { Handler } from '../../contract/operations.ts';
import { feedPage, feedQuery } from '../../events/page.ts';
import { requireProject } from '../store.ts';

export const listProjectActivities: Handler<'listProjectActivities'> = async ({ prisma, path, query }) => {
  await requireProject(prisma, path.id);
  const page = await feedPage(prisma, feedQuery(query, query.order ?? 'desc', path.id));
  return { status: 200, body: { ...page, message: 'Activities retrieved successfully.' } };
};
