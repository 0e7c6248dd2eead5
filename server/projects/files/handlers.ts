// Handlers for a project's files (references by name and URL).
import type { Handler } from '../../contract/operations.ts';
import { lockProject, projectChildrenPage } from '../store.ts';
import { toProjectFile } from './mapping.ts';

export const listProjectFiles: Handler<'listProjectFiles'> = async ({ prisma, path, query }) => {
  const page = await projectChildrenPage(prisma, path.id, query,
    (args) => prisma.projectFile.findMany(args), (args) => prisma.projectFile.count(args), toProjectFile);
  return { status: 200, body: { ...page, message: 'Files retrieved successfully.' } };
};

export const createProjectFile: Handler<'createProjectFile'> = async ({ prisma, path, body }) => {
  const row = await prisma.$transaction(async (tx) => {
    await lockProject(tx, path.id, 'key share');
    return tx.projectFile.create({ data: { projectId: path.id, name: body.file_name, url: body.file_url } });
  });
  return { status: 201, body: { data: toProjectFile(row), message: 'File created successfully.' } };
};
