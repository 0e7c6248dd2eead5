// Handlers for a project's timers. Timers stop through the project's `stop-timers` action.
import { FieldErrorCollector } from '../errors.ts';
import { timerInclude, toTimer } from '../mappers.ts';
import type { Handler } from './types.ts';
import { expectFound, loadPage, lockProject, pageWindow, requireProject, selectId } from './shared.ts';

export const listProjectTimers: Handler<'listProjectTimers'> = async ({ prisma, path, query }) => {
  await requireProject(prisma, path.id);
  const window = pageWindow(query);
  const stoppedAt = query.status === 'running' ? null : query.status === 'stopped' ? { not: null } : undefined;
  const where = { projectId: path.id, stoppedAt };
  const page = await loadPage(window,
    prisma.timer.findMany({ where, include: timerInclude, orderBy: { id: window.order }, skip: window.skip, take: window.take }),
    prisma.timer.count({ where }), toTimer);
  return { status: 200, body: { ...page, message: 'Timers retrieved successfully.' } };
};

export const startProjectTimer: Handler<'startProjectTimer'> = async ({ prisma, path, body }) => {
  const row = await prisma.$transaction(async (tx) => {
    await lockProject(tx, path.id, 'share');
    const errors = new FieldErrorCollector();
    await expectFound(errors, 'user_id', tx.user.findUnique({ where: { id: body.user_id }, ...selectId }));
    if (body.task_id !== undefined) {
      await expectFound(errors, 'task_id', tx.task.findFirst({ where: { id: body.task_id, projectId: path.id }, ...selectId }));
    }
    errors.throwIfAny();
    return tx.timer.create({
      data: { projectId: path.id, userId: body.user_id, taskId: body.task_id ?? null },
      include: timerInclude,
    });
  });
  return { status: 201, body: { data: toTimer(row), message: 'Timer started successfully.' } };
};
