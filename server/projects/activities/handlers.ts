// Handlers for a project's activities: the change feed of one project.
import type { Handler } from '../../contract/operations.ts';
import { feedPage, feedQuery } from '../../events/page.ts';
import { requireProject } from '../store.ts';

export const listProjectActivities: Handler<'listProjectActivities'> = async ({ prisma, path, query }) => {
  await requireProject(prisma, path.id);
  const page = await feedPage(prisma, feedQuery(query, query.order ?? 'desc', path.id));
  return { status: 200, body: { ...page, message: 'Activities retrieved successfully.' } };
};
