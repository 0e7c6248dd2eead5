// Handlers for a project's timers. Timers stop through the project's `stop-timers` action.
import { FieldErrorCollector } from '../../core/errors.ts';
import { bodyChecks } from '../rules.ts';
import type { Handler } from '../../contract/operations.ts';
import { lockProject, projectChildrenPage } from '../store.ts';
import { timerInclude, toTimer } from './mapping.ts';

export const listProjectTimers: Handler<'listProjectTimers'> = async ({ prisma, path, query }) => {
  const stoppedAt = query.status === 'running' ? null : query.status === 'stopped' ? { not: null } : undefined;
  const page = await projectChildrenPage(prisma, path.id, query,
    (args) => prisma.timer.findMany({ ...args, include: timerInclude }), (args) => prisma.timer.count(args), toTimer, { stoppedAt });
  return { status: 200, body: { ...page, message: 'Timers retrieved successfully.' } };
};

export const startProjectTimer: Handler<'startProjectTimer'> = async ({ prisma, path, body }) => {
  const row = await prisma.$transaction(async (tx) => {
    await lockProject(tx, path.id, 'key share');
    const errors = new FieldErrorCollector();
    await bodyChecks.startProjectTimer(tx, { path, body }, errors);
    errors.throwIfAny();
    return tx.timer.create({
      data: { projectId: path.id, userId: body.user_id, taskId: body.task_id ?? null },
      include: timerInclude,
    });
  });
  return { status: 201, body: { data: toTimer(row), message: 'Timer started successfully.' } };
};
