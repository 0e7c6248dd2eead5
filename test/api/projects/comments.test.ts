// A project's comments (the delete text of the Grow page counts them among a project's records):
// list, create and delete, in the style of the other children.
import { beforeAll, describe, expect, it } from 'vitest';
import { createProject, useTestServer } from '../../helpers/server.ts';
import { fieldRequired, fieldType, invalidSelection, resourceNotFound } from '../../../server/core/messages.ts';

const { t, f } = useTestServer();

describe("a project's comments", () => {
  let projectId: number;
  let adminId: number;
  beforeAll(async () => {
    projectId = (await createProject(t, f)).id;
    adminId = (await t.api('GET', '/api/users?limit=100')).body.data.find((u: { role: string }) => u.role === 'admin').id;
  });

  it('create (JSON and form) by a named writer or the main administrator; list newest first', async () => {
    const json = await t.api('POST', `/api/projects/${projectId}/comments`, { json: { comment_text: 'The client approved the wireframes.', comment_creatorid: f.jane.id } });
    expect(json.status).toBe(201);
    expect(json.body).toMatchObject({
      data: { project_id: projectId, text: 'The client approved the wireframes.', creator: { id: f.jane.id, name: 'Jane Doe' } },
      message: 'Comment created successfully.',
    });
    const form = await t.api('POST', `/api/projects/${projectId}/comments`, { form: { comment_text: '  Waiting for copy  ' } });
    expect(form.status).toBe(201);
    expect(form.body.data).toMatchObject({ text: '  Waiting for copy  ', creator: { id: adminId } });
    const list = await t.api('GET', `/api/projects/${projectId}/comments`);
    expect(list.body).toEqual({ data: [form.body.data, json.body.data], meta: { current_page: 1, per_page: 25, total: 2, last_page: 1 }, message: 'Comments retrieved successfully.' });
    const oldest = await t.api('GET', `/api/projects/${projectId}/comments?order=asc&limit=1`);
    expect(oldest.body.data).toEqual([json.body.data]);
    expect(oldest.body.meta).toEqual({ current_page: 1, per_page: 1, total: 2, last_page: 2 });
  });

  it('refuses a missing or blank text and an unknown writer, together; 404 for an unknown project', async () => {
    const bad = await t.api('POST', `/api/projects/${projectId}/comments`, { json: { comment_text: ' \n ', comment_creatorid: 999999 } });
    expect(bad.status).toBe(422);
    expect(bad.body.errors).toEqual({ comment_text: [fieldRequired('comment_text')], comment_creatorid: [invalidSelection('comment_creatorid')] });
    expect((await t.api('POST', `/api/projects/${projectId}/comments`, { json: {} })).body.errors).toEqual({ comment_text: [fieldRequired('comment_text')] });
    expect((await t.api('POST', '/api/projects/999999/comments', { json: { comment_text: 'x' } })).body).toEqual({ message: resourceNotFound('Project') });
    expect((await t.api('GET', '/api/projects/999999/comments')).body).toEqual({ message: resourceNotFound('Project') });
  });

  it('delete one comment; another project\'s comment and a deleted one are not found', async () => {
    const other = await createProject(t, f);
    const theirs = (await t.api('POST', `/api/projects/${other.id}/comments`, { json: { comment_text: 'Theirs' } })).body.data;
    const mine = (await t.api('POST', `/api/projects/${projectId}/comments`, { json: { comment_text: 'Mine' } })).body.data;
    expect((await t.api('DELETE', `/api/projects/${projectId}/comments/${theirs.id}`)).body).toEqual({ message: resourceNotFound('Comment') });
    const deleted = await t.api('DELETE', `/api/projects/${projectId}/comments/${mine.id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ data: { id: mine.id }, message: 'Comment deleted successfully.' });
    expect((await t.api('DELETE', `/api/projects/${projectId}/comments/${mine.id}`)).status).toBe(404);
    expect((await t.api('DELETE', `/api/projects/999999/comments/${theirs.id}`)).body).toEqual({ message: resourceNotFound('Project') });
    expect((await t.api('DELETE', `/api/projects/${projectId}/comments/0x1`)).body.errors).toEqual({ comment_id: [fieldType('comment_id', ['integer'])] });
    const left = (await t.api('GET', `/api/projects/${other.id}/comments`)).body.data;
    expect(left).toEqual([theirs]);
  });

  it('are deleted with their project, and copied by clone only with copy_comments', async () => {
    const source = await createProject(t, f);
    await t.api('POST', `/api/projects/${source.id}/comments`, { json: { comment_text: 'Note', comment_creatorid: f.sam.id } });
    const plain = (await t.api('POST', `/api/projects/${source.id}/clone`, { json: { project_title: 'Plain copy' } })).body.data;
    expect((await t.api('GET', `/api/projects/${plain.id}/comments`)).body.meta.total).toBe(0);
    const withComments = (await t.api('POST', `/api/projects/${source.id}/clone`, { form: { project_title: 'With comments', copy_comments: 'on' } })).body.data;
    expect((await t.api('GET', `/api/projects/${withComments.id}/comments`)).body.data).toMatchObject([{ text: 'Note', creator: { id: f.sam.id } }]);
    expect((await t.api('DELETE', `/api/projects/${source.id}`)).status).toBe(200);
    expect(await t.db.prisma.projectComment.count({ where: { projectId: source.id } })).toBe(0);
    expect((await t.api('GET', `/api/projects/${withComments.id}/comments`)).body.meta.total).toBe(1);
  });
});
