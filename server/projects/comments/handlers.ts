// Handlers for a project's comments.
import { FieldErrorCollector, notFound } from '../../core/errors.ts';
import { bodyChecks } from '../rules.ts';
import type { Handler } from '../../contract/operations.ts';
import { lockProject, projectChildrenPage } from '../store.ts';
import { commentInclude, toComment } from './mapping.ts';
import { mainAdministratorId } from '../../team/store.ts';

export const listProjectComments: Handler<'listProjectComments'> = async ({ prisma, path, query }) => {
  const page = await projectChildrenPage(prisma, path.id, query,
    (args) => prisma.projectComment.findMany({ ...args, include: commentInclude }), (args) => prisma.projectComment.count(args), toComment);
  return { status: 200, body: { ...page, message: 'Comments retrieved successfully.' } };
};

export const createProjectComment: Handler<'createProjectComment'> = async ({ prisma, path, body }) => {
  const row = await prisma.$transaction(async (tx) => {
    await lockProject(tx, path.id, 'key share');
    const errors = new FieldErrorCollector();
    await bodyChecks.createProjectComment(tx, { path, body }, errors);
    errors.throwIfAny();
    const creatorId = body.comment_creatorid ?? await mainAdministratorId(tx);
    return tx.projectComment.create({ data: { projectId: path.id, creatorId, text: body.comment_text }, include: commentInclude });
  });
  return { status: 201, body: { data: toComment(row), message: 'Comment created successfully.' } };
};

export const deleteProjectComment: Handler<'deleteProjectComment'> = async ({ prisma, path }) => {
  await prisma.$transaction(async (tx) => {
    await lockProject(tx, path.id, 'key share');
    const { count } = await tx.projectComment.deleteMany({ where: { id: path.comment_id, projectId: path.id } });
    if (count === 0) throw notFound('Comment');
  });
  return { status: 200, body: { data: { id: path.comment_id }, message: 'Comment deleted successfully.' } };
};
