// Handlers for the background clones (server/duplications.ts), one function per operationId.
import { notFound } from '../errors.ts';
import { toProjectDuplication } from '../mappers.ts';
import type { Handler } from './types.ts';

export const getProjectDuplication: Handler<'getProjectDuplication'> = async ({ prisma, path }) => {
  const row = await prisma.projectDuplication.findUnique({ where: { id: path.id } });
  if (!row) throw notFound('Project duplication');
  return { status: 200, body: { data: toProjectDuplication(row), message: 'Project duplication retrieved successfully.' } };
};
