// Handlers for the background clones (server/projects/duplication/jobs.ts), one function per operationId.
import { notFound } from '../../core/errors.ts';
import type { Handler } from '../../contract/operations.ts';
import { toProjectDuplication } from './mapping.ts';

export const getProjectDuplication: Handler<'getProjectDuplication'> = async ({ prisma, path }) => {
  const row = await prisma.projectDuplication.findFirst({ where: { id: path.id } });
  if (!row) throw notFound('Project duplication');
  return { status: 200, body: { data: toProjectDuplication(row), message: 'Project duplication retrieved successfully.' } };
};
