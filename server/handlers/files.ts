// Handlers for a project's files (references by name and URL).
import { toProjectFile } from '../mappers.ts';
import type { Handler } from './types.ts';
import { loadPage, lockProject, pageWindow, requireProject } from './shared.ts';

export const listProjectFiles: Handler<'listProjectFiles'> = async ({ prisma, path, query }) => {
  await requireProject(prisma, path.id);
  const window = pageWindow(query);
  const where = { projectId: path.id };
  const page = await loadPage(window,
    prisma.projectFile.findMany({ where, orderBy: { id: window.order }, skip: window.skip, take: window.take }),
    prisma.projectFile.count({ where }), toProjectFile);
  return { status: 200, body: { ...page, message: 'Files retrieved successfully.' } };
};

export const createProjectFile: Handler<'createProjectFile'> = async ({ prisma, path, body }) => {
  const row = await prisma.$transaction(async (tx) => {
    await lockProject(tx, path.id, 'share');
    return tx.projectFile.create({ data: { projectId: path.id, name: body.file_name, url: body.file_url } });
  });
  return { status: 201, body: { data: toProjectFile(row), message: 'File created successfully.' } };
};
