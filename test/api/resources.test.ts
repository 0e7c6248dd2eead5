// The supporting resources: clients, categories, team users, and a project's children.
import { beforeAll, describe, expect, it } from 'vitest';
import { createProject, useTestServer } from '../helpers/server.ts';
import { EMAIL_TAKEN_MESSAGE, fieldFormat, fieldNotBefore, fieldRequired, fieldType, invalidSelection, resourceNotFound } from '../../server/core/messages.ts';

const { t, f } = useTestServer();

describe('clients, categories and team users', () => {
  it('create, get and list clients, with search and sort', async () => {
    const created = await t.api('POST', '/api/clients', { form: { client_company_name: 'Initech' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ data: { company_name: 'Initech' }, message: 'Client created successfully.' });
    const got = await t.api('GET', `/api/clients/${created.body.data.id}`);
    expect(got.body).toEqual({ data: created.body.data, message: 'Client retrieved successfully.' });
    const list = await t.api('GET', '/api/clients?search=INI&sort=client_company_name&order=asc');
    expect(list.body.data.map((c: { company_name: string }) => c.company_name)).toEqual(['Initech']);
    expect(list.body.message).toBe('Clients retrieved successfully.');
    const sorted = await t.api('GET', '/api/clients?sort=client_company_name&order=asc');
    expect(sorted.body.data.map((c: { company_name: string }) => c.company_name)).toEqual(['Acme Inc', 'Globex', 'Initech']);
    expect((await t.api('GET', '/api/clients/999999')).body).toEqual({ message: resourceNotFound('Client') });
    expect((await t.api('POST', '/api/clients', { json: {} })).body.errors).toEqual({ client_company_name: [fieldRequired('client_company_name')] });
  });

  it('create, get and list categories', async () => {
    const created = await t.api('POST', '/api/categories', { form: { category_name: 'Design' } });
    expect(created.body).toMatchObject({ data: { name: 'Design' }, message: 'Category created successfully.' });
    expect((await t.api('GET', `/api/categories/${created.body.data.id}`)).body.message).toBe('Category retrieved successfully.');
    const list = await t.api('GET', '/api/categories?sort=category_name&order=asc&limit=2');
    expect(list.body.data.map((c: { name: string }) => c.name)).toEqual(['Design', 'Development']);
    expect(list.body.meta).toEqual({ current_page: 1, per_page: 2, total: 3, last_page: 2 });
    expect((await t.api('GET', '/api/categories/999999')).body).toEqual({ message: resourceNotFound('Category') });
    expect((await t.api('POST', '/api/categories', { json: { category_name: 5 } })).body.errors).toEqual({ category_name: [fieldType('category_name', ['string'])] });
  });

  it('create, get and list team users; emails are unique case-insensitively', async () => {
    const created = await t.api('POST', '/api/users', { form: { first_name: 'Ada', last_name: 'Byron', email: 'Ada@Example.test' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ data: { name: 'Ada Byron', email: 'ada@example.test', role: 'team' }, message: 'Team user created successfully.' });
    const again = await t.api('POST', '/api/users', { json: { first_name: 'A', last_name: 'B', email: 'ADA@example.test' } });
    expect(again.status).toBe(422);
    expect(again.body.errors).toEqual({ email: [EMAIL_TAKEN_MESSAGE] });
    const bad = await t.api('POST', '/api/users', { json: { first_name: 'A', last_name: 'B', email: 'not-an-email' } });
    expect(bad.body.errors).toEqual({ email: [fieldFormat('email', 'email')] });
    expect((await t.api('GET', `/api/users/${created.body.data.id}`)).body.message).toBe('Team user retrieved successfully.');
    const list = await t.api('GET', '/api/users?search=byron');
    expect(list.body.data.map((u: { id: number }) => u.id)).toEqual([created.body.data.id]);
    const admins = (await t.api('GET', '/api/users?limit=100')).body.data.filter((u: { role: string }) => u.role === 'admin');
    expect(admins).toHaveLength(1);
    expect((await t.api('GET', '/api/users/999999')).body).toEqual({ message: resourceNotFound('Team user') });
  });
});

describe("a project's children", () => {
  let projectId: number;
  beforeAll(async () => { projectId = (await createProject(t, f)).id; });

  it('tasks: create with checklist and files (JSON and form), list newest first', async () => {
    const json = await t.api('POST', `/api/projects/${projectId}/tasks`, {
      json: { task_title: 'Wireframes', task_description: 'Low-fi', task_checklist: ['Home', 'About'], task_files: [{ file_name: 'brief.pdf', file_url: 'https://files.acme.test/brief.pdf' }] },
    });
    expect(json.status).toBe(201);
    expect(json.body).toMatchObject({
      data: { project_id: projectId, title: 'Wireframes', description: 'Low-fi', status: 'new',
        checklist: [{ text: 'Home', completed: false }, { text: 'About', completed: false }], files: [{ name: 'brief.pdf', url: 'https://files.acme.test/brief.pdf' }] },
      message: 'Task created successfully.',
    });
    const form = await t.api('POST', `/api/projects/${projectId}/tasks`, {
      form: 'task_title=Build&task_status=in_progress&task_checklist[]=One&task_files[0][file_name]=x.png&task_files[0][file_url]=https%3A%2F%2Ffiles.acme.test%2Fx.png',
    });
    expect(form.status).toBe(201);
    expect(form.body.data).toMatchObject({ status: 'in_progress', checklist: [{ text: 'One' }], files: [{ name: 'x.png' }] });
    const list = await t.api('GET', `/api/projects/${projectId}/tasks`);
    expect(list.body.data.map((x: { title: string }) => x.title)).toEqual(['Build', 'Wireframes']);
    expect(list.body.message).toBe('Tasks retrieved successfully.');
    const bad = await t.api('POST', `/api/projects/${projectId}/tasks`, { json: { task_title: 'x', task_status: 'done', task_files: [{ file_name: 'a', file_url: 'ftp://x' }] } });
    expect(bad.body.errors).toEqual({
      task_status: [invalidSelection('task_status', ['new', 'in_progress', 'testing', 'awaiting_feedback', 'completed'])],
      'task_files.0.file_url': [fieldFormat('task_files.0.file_url', 'uri')],
    });
  });

  it('milestones, files: create and list', async () => {
    const m = await t.api('POST', `/api/projects/${projectId}/milestones`, { form: { milestone_title: 'Design sign-off' } });
    expect(m.body).toMatchObject({ data: { project_id: projectId, title: 'Design sign-off' }, message: 'Milestone created successfully.' });
    expect((await t.api('GET', `/api/projects/${projectId}/milestones`)).body).toMatchObject({ data: [{ title: 'Design sign-off' }], message: 'Milestones retrieved successfully.' });
    const file = await t.api('POST', `/api/projects/${projectId}/files`, { form: { file_name: 'contract.pdf', file_url: 'https://files.acme.test/contract.pdf' } });
    expect(file.body).toMatchObject({ data: { name: 'contract.pdf' }, message: 'File created successfully.' });
    expect((await t.api('GET', `/api/projects/${projectId}/files`)).body).toMatchObject({ data: [{ name: 'contract.pdf' }], message: 'Files retrieved successfully.' });
    expect((await t.api('POST', `/api/projects/${projectId}/files`, { json: { file_name: 'x' } })).body.errors).toEqual({ file_url: [fieldRequired('file_url')] });
  });

  it('timers: start for a user (optionally on a task of this project), list by status', async () => {
    const task = (await t.api('POST', `/api/projects/${projectId}/tasks`, { json: { task_title: 'Timed' } })).body.data;
    const started = await t.api('POST', `/api/projects/${projectId}/timers`, { form: { user_id: f.jane.id, task_id: task.id } });
    expect(started.status).toBe(201);
    expect(started.body).toMatchObject({
      data: { project_id: projectId, task_id: task.id, user: { id: f.jane.id, name: 'Jane Doe' }, status: 'running', stopped: null, duration: null },
      message: 'Timer started successfully.',
    });
    expect((await t.api('GET', `/api/projects/${projectId}/timers?status=running`)).body.data).toHaveLength(1);
    expect((await t.api('GET', `/api/projects/${projectId}/timers?status=stopped`)).body.data).toHaveLength(0);
    expect((await t.api('GET', `/api/projects/${projectId}/timers`)).body.message).toBe('Timers retrieved successfully.');
    const other = await createProject(t, f);
    const otherTask = (await t.api('POST', `/api/projects/${other.id}/tasks`, { json: { task_title: 'Elsewhere' } })).body.data;
    const bad = await t.api('POST', `/api/projects/${projectId}/timers`, { json: { user_id: 999999, task_id: otherTask.id } });
    expect(bad.body.errors).toEqual({ user_id: [invalidSelection('user_id')], task_id: [invalidSelection('task_id')] });
    expect((await t.api('GET', `/api/projects/${projectId}/timers?status=paused`)).body.errors).toEqual({ status: [invalidSelection('status', ['running', 'stopped'])] });
  });

  it("invoices and estimates: billed to the project's client, dates in order", async () => {
    const inv = await t.api('POST', `/api/projects/${projectId}/invoices`, { form: { invoice_date: '2026-06-30', invoice_due_date: '2026-07-30', invoice_amount: '4800' } });
    expect(inv.status).toBe(201);
    expect(inv.body).toMatchObject({ data: { client_id: f.client.id, status: 'draft', date: '2026-06-30', due_date: '2026-07-30', amount: '4800.00' }, message: 'Invoice created successfully.' });
    expect((await t.api('GET', `/api/projects/${projectId}/invoices`)).body).toMatchObject({ data: [{ amount: '4800.00' }], message: 'Invoices retrieved successfully.' });
    const late = await t.api('POST', `/api/projects/${projectId}/invoices`, { json: { invoice_date: '2026-06-30', invoice_due_date: '2026-06-29', invoice_amount: 1 } });
    expect(late.body.errors).toEqual({ invoice_due_date: [fieldNotBefore('invoice_due_date', 'invoice_date')] });
    const est = await t.api('POST', `/api/projects/${projectId}/estimates`, { json: { estimate_date: '2026-05-20', estimate_expiry_date: '2026-06-20', estimate_amount: 9600.5 } });
    expect(est.body).toMatchObject({ data: { client_id: f.client.id, status: 'draft', expiry_date: '2026-06-20', amount: '9600.50' }, message: 'Estimate created successfully.' });
    expect((await t.api('GET', `/api/projects/${projectId}/estimates`)).body.message).toBe('Estimates retrieved successfully.');
    const expired = await t.api('POST', `/api/projects/${projectId}/estimates`, { json: { estimate_date: '2026-05-20', estimate_expiry_date: '2026-05-19', estimate_amount: 1 } });
    expect(expired.body.errors).toEqual({ estimate_expiry_date: [fieldNotBefore('estimate_expiry_date', 'estimate_date')] });
  });

  it.each(['tasks', 'milestones', 'timers', 'files', 'invoices', 'estimates'])('%s of an unknown project: 404 on list and create', async (kind) => {
    expect((await t.api('GET', `/api/projects/999999/${kind}`)).body).toEqual({ message: resourceNotFound('Project') });
    const bodies: Record<string, unknown> = {
      tasks: { task_title: 'x' }, milestones: { milestone_title: 'x' }, timers: { user_id: f.jane.id },
      files: { file_name: 'x', file_url: 'https://x.test/x' }, invoices: { invoice_date: '2026-01-01', invoice_due_date: '2026-01-02', invoice_amount: 1 },
      estimates: { estimate_date: '2026-01-01', estimate_amount: 1 },
    };
    expect((await t.api('POST', `/api/projects/999999/${kind}`, { json: bodies[kind] })).status).toBe(404);
  });
});
