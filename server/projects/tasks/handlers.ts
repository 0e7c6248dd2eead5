// Handlers for a project's tasks.
import type { Handler } from '../../contract/operations.ts';
import { lockProject, projectChildrenPage, refreshDerivedProgress } from '../store.ts';
import { parseCalendarDate } from '../../core/dates.ts';
import { taskInclude, toTask } from './mapping.ts';

export const listProjectTasks: Handler<'listProjectTasks'> = async ({ prisma, path, query }) => {
  const page = await projectChildrenPage(prisma, path.id, query,
    (args) => prisma.task.findMany({ ...args, include: taskInclude }), (args) => prisma.task.count(args), toTask);
  return { status: 200, body: { ...page, message: 'Tasks retrieved successfully.' } };
};

export const createProjectTask: Handler<'createProjectTask'> = async ({ prisma, path, body, caller }) => {
  const data = await prisma.$transaction(async (tx) => {
    await lockProject(tx, path.id, 'key share');
    const task = await tx.task.create({
      data: {
        projectId: path.id,
        title: body.task_title,
        description: body.task_description ?? null,
        status: body.task_status ?? 'new',
        dateDue: body.task_date_due ? parseCalendarDate(body.task_date_due) : null,
        checklist: { create: (body.task_checklist ?? []).map((text, position) => ({ text, position })) },
        files: { create: (body.task_files ?? []).map((f) => ({ name: f.file_name, url: f.file_url })) },
      },
      include: taskInclude,
    });
    await refreshDerivedProgress(tx, path.id, caller.userId);
    return toTask(task);
  });
  return { status: 201, body: { data, message: 'Task created successfully.' } };
};
