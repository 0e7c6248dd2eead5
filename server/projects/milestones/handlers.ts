// Handlers for a project's milestones.
import type { Handler } from '../../contract/operations.ts';
import { lockProject, projectChildrenPage } from '../store.ts';
import { parseCalendarDate } from '../../core/dates.ts';
import { toMilestone } from './mapping.ts';

export const listProjectMilestones: Handler<'listProjectMilestones'> = async ({ prisma, path, query }) => {
  const page = await projectChildrenPage(prisma, path.id, query,
    (args) => prisma.milestone.findMany(args), (args) => prisma.milestone.count(args), toMilestone);
  return { status: 200, body: { ...page, message: 'Milestones retrieved successfully.' } };
};

export const createProjectMilestone: Handler<'createProjectMilestone'> = async ({ prisma, path, body }) => {
  const row = await prisma.$transaction(async (tx) => {
    await lockProject(tx, path.id, 'key share');
    const dateDue = body.milestone_date_due ? parseCalendarDate(body.milestone_date_due) : null;
    return tx.milestone.create({ data: { projectId: path.id, title: body.milestone_title, dateDue } });
  });
  return { status: 201, body: { data: toMilestone(row), message: 'Milestone created successfully.' } };
};
