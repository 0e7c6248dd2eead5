// Every operation of the contract, called through the typed client against the live server.
// Results are type-checked by `tsc --noEmit` (npm test); every response is checked against the spec;
// the last test fails if any operationId of the spec was not exercised here.
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProjectsClient, formEncoded, type ProjectsClient, type SchemaEvent, type SchemaWebhookDelivery } from '../../client/index.ts';
import { contractProblems, findOperation, routes } from '../helpers/contract.ts';
import { spec } from '../helpers/spec.ts';
import { createFixtures, startSibling, startTestServer, untilFeedCaughtUp, type Fixtures, type TestServer } from '../helpers/server.ts';
import { until } from '../helpers/wait.ts';
import { invalidSelection, resourceNotFound, UNAUTHORIZED_MESSAGE, VALIDATION_MESSAGE } from '../../server/core/messages.ts';

const run = promisify(execFile);

/** Bytes of every file under `dir` (what an install puts on disk, without the file system's blocks). */
function treeSize(dir: string): number {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => statSync(join(dir, name)))
    .reduce((sum, entry) => sum + (entry.isFile() ? entry.size : 0), 0);
}
const root = new URL('../..', import.meta.url).pathname;
let t: TestServer;
let f: Fixtures;
let api: ProjectsClient;
let anonymous: ProjectsClient;
const exercised = new Set<string>();
const contractFailures: string[] = [];

/** Records which operation each response belongs to and checks it against the spec. */
function contractRecorder(client: ProjectsClient): ProjectsClient {
  client.use({
    async onResponse({ request, response }) {
      const url = new URL(request.url);
      const route = findOperation(request.method, url.pathname);
      if (route) exercised.add(route.operation.operationId);
      const body = await response.clone().json().catch(() => undefined);
      contractFailures.push(...contractProblems(request.method, url.pathname, response.status, body));
    },
  });
  return client;
}

beforeAll(async () => {
  t = await startTestServer({ jobs: true, env: { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', WEBHOOK_RELAY_INTERVAL_MS: '100' } });
  f = await createFixtures(t);
  api = contractRecorder(createProjectsClient({ baseUrl: t.baseUrl, apiKey: t.key }));
  anonymous = contractRecorder(createProjectsClient({ baseUrl: t.baseUrl, apiKey: 'gcp_wrong' }));
});
afterAll(async () => { await t?.close(); });

async function newProject(title = 'Client project') {
  const { data, error } = await api.POST('/api/projects', {
    body: { project_clientid: f.client.id, project_categoryid: f.category.id, project_title: title, project_date_start: '2026-06-01' },
  });
  if (error) throw new Error(error.message);
  return data.data;
}

describe('projects through the typed client', () => {
  it('createProject: JSON, form, 401, 422', async () => {
    const { data, response } = await api.POST('/api/projects', {
      body: { project_clientid: f.client.id, project_categoryid: f.category.id, project_title: 'Typed', project_date_start: '2026-06-01', project_billing_rate: 99 },
    });
    expect(response.status).toBe(201);
    const project = data!.data;
    const title: string = project.title;
    const rate: string = project.billing.rate;
    expect([title, rate, data!.message]).toEqual(['Typed', '99.00', 'Project created successfully.']);
    const form = await api.POST('/api/projects', {
      body: { project_clientid: f.client.id, project_categoryid: f.category.id, project_title: 'Form', project_date_start: '2026-06-01', project_date_due: null },
      ...formEncoded,
    });
    expect(form.data?.data.dates.due).toBeNull();
    expect((await anonymous.POST('/api/projects', { body: { project_clientid: 1, project_categoryid: 1, project_title: 'x', project_date_start: '2026-06-01' } })).error?.message)
      .toBe(UNAUTHORIZED_MESSAGE);
    const invalid = await api.POST('/api/projects', { body: { project_clientid: 999999, project_categoryid: f.category.id, project_title: 'x', project_date_start: '2026-06-01' } });
    expect(invalid.response.status).toBe(422);
  });

  it('does not compile calls that break the contract', () => {
    // Type-level only: these closures are never run; tsc --noEmit fails if any of them compiles.
    void (() => api.POST('/api/projects', {
      // @ts-expect-error an unknown field
      body: { project_clientid: 1, project_categoryid: 1, project_title: 'x', project_date_start: '2026-06-01', project_budget: 5 },
    }));
    void (() => api.POST('/api/projects', {
      // @ts-expect-error a missing required field (project_title)
      body: { project_clientid: 1, project_categoryid: 1, project_date_start: '2026-06-01' },
    }));
    // @ts-expect-error a wrong enum value
    void (() => api.PUT('/api/projects/{id}/status', { params: { path: { id: 1 } }, body: { status: 'done' } }));
    // @ts-expect-error a wrong query enum value
    void (() => api.GET('/api/projects', { params: { query: { sort: 'project_budget' } } }));
    // @ts-expect-error an unknown path
    void (() => api.GET('/api/projectz'));
  });

  it('listProjects and getProject', async () => {
    const p = await newProject('Listed');
    const list = await api.GET('/api/projects', { params: { query: { search: 'Listed', sort: 'project_title', order: 'asc', limit: 10, page: 1 } } });
    const meta = list.data!.meta;
    // Page mode's meta (no `after`) is the one with a total.
    const total: number | undefined = 'total' in meta ? meta.total : undefined;
    expect(total).toBe(1);
    expect((await api.GET('/api/projects', { params: { query: { limit: 101 } } })).response.status).toBe(422);
    // The filter grammar, lists and sparse fieldsets, typed and serialised by the client.
    const filtered = await api.GET('/api/projects', {
      params: {
        query: {
          status: ['not_started', 'on_hold'], fields: ['title', 'status'],
          filter: { title: { contains: 'listed' }, or: [{ status: { in: ['not_started'] } }, { progress: { gte: 99 } }] },
        },
      },
    });
    expect(filtered.response.status).toBe(200);
    expect(filtered.data!.data).toEqual([{ id: p.id, title: 'Listed', status: 'not_started' }]);
    // @ts-expect-error an unknown filter operator
    void (() => api.GET('/api/projects', { params: { query: { filter: { status: { like: 'on_hold' } } } } }));
    expect((await anonymous.GET('/api/projects')).response.status).toBe(401);
    const got = await api.GET('/api/projects/{id}', { params: { path: { id: p.id } } });
    expect(got.data?.data).toEqual(p);
    expect((await api.GET('/api/projects/{id}', { params: { path: { id: 999999 } } })).error?.message).toBe(resourceNotFound('Project'));
    expect((await anonymous.GET('/api/projects/{id}', { params: { path: { id: p.id } } })).response.status).toBe(401);
  });

  it('updateProject: JSON, form, 404, 422', async () => {
    const p = await newProject();
    const json = await api.PATCH('/api/projects/{id}', { params: { path: { id: p.id } }, body: { project_title: 'Renamed', project_description: 'd' } });
    expect(json.data?.data).toMatchObject({ title: 'Renamed', description: 'd' });
    const form = await api.PATCH('/api/projects/{id}', { params: { path: { id: p.id } }, body: { project_description: null }, ...formEncoded });
    expect(form.data?.data.description).toBeNull();
    expect((await api.PATCH('/api/projects/{id}', { params: { path: { id: 999999 } }, body: { project_title: 'x' } })).response.status).toBe(404);
    expect((await api.PATCH('/api/projects/{id}', { params: { path: { id: p.id } }, body: { project_date_due: '2000-01-01' } })).response.status).toBe(422);
    expect((await anonymous.PATCH('/api/projects/{id}', { params: { path: { id: p.id } }, body: {} })).response.status).toBe(401);
  });

  it('assignProject and setProjectManager: JSON, form, clear, 404, 422', async () => {
    const p = await newProject();
    const assigned = await api.PUT('/api/projects/{id}/assign', { params: { path: { id: p.id } }, body: { assigned: [f.jane.id, f.sam.id] }, ...formEncoded });
    expect(assigned.data?.data.assigned.map((a) => a.name)).toEqual(['Jane Doe', 'Sam Lee']);
    const cleared = await api.PUT('/api/projects/{id}/assign', { params: { path: { id: p.id } }, body: { assigned: [] }, ...formEncoded });
    expect(cleared.data?.data.assigned).toEqual([]);
    expect((await api.PUT('/api/projects/{id}/assign', { params: { path: { id: 999999 } }, body: { assigned: [] } })).response.status).toBe(404);
    expect((await api.PUT('/api/projects/{id}/assign', { params: { path: { id: p.id } }, body: { assigned: [999999] } })).error)
      .toEqual({ message: VALIDATION_MESSAGE, errors: { 'assigned.0': [invalidSelection('assigned.0')] } });
    const manager = await api.PUT('/api/projects/{id}/manager', { params: { path: { id: p.id } }, body: { manager: f.jane.id } });
    expect(manager.data?.data.managers).toEqual([{ id: f.jane.id, name: 'Jane Doe' }]);
    const removed = await api.PUT('/api/projects/{id}/manager', { params: { path: { id: p.id } }, body: { manager: null }, ...formEncoded });
    expect(removed.data?.data.managers).toEqual([]);
    expect((await api.PUT('/api/projects/{id}/manager', { params: { path: { id: 999999 } }, body: { manager: null } })).response.status).toBe(404);
    expect((await api.PUT('/api/projects/{id}/manager', { params: { path: { id: p.id } }, body: { manager: 999999 } })).response.status).toBe(422);
    expect((await anonymous.PUT('/api/projects/{id}/manager', { params: { path: { id: p.id } }, body: { manager: null } })).response.status).toBe(401);
  });

  it('changeProjectStatus, updateProjectProgress, setProjectTags: JSON, form, 404, 422', async () => {
    const p = await newProject();
    const id = { params: { path: { id: p.id } } };
    const missing = { params: { path: { id: 999999 } } };
    expect((await api.PUT('/api/projects/{id}/status', { ...id, body: { status: 'on_hold' } })).data?.data.status).toBe('on_hold');
    expect((await api.PUT('/api/projects/{id}/status', { ...id, body: { status: 'completed' }, ...formEncoded })).data?.data.status).toBe('completed');
    expect((await api.PUT('/api/projects/{id}/status', { ...missing, body: { status: 'completed' } })).response.status).toBe(404);
    expect((await api.PUT('/api/projects/{id}/progress', { ...id, body: { progress: 30 } })).data?.data.progress).toBe(30);
    expect((await api.PUT('/api/projects/{id}/progress', { ...id, body: { progress: 70 }, ...formEncoded })).data?.data.progress_manually).toBe('yes');
    expect((await api.PUT('/api/projects/{id}/progress', { ...id, body: { progress: 170 } })).response.status).toBe(422);
    expect((await api.PUT('/api/projects/{id}/progress', { ...missing, body: { progress: 1 } })).response.status).toBe(404);
    expect((await api.PUT('/api/projects/{id}/tags', { ...id, body: { tags: ['a', 'b'] } })).data?.data.tags).toEqual(['a', 'b']);
    expect((await api.PUT('/api/projects/{id}/tags', { ...id, body: { tags: [] }, ...formEncoded })).data?.data.tags).toEqual([]);
    expect((await api.PUT('/api/projects/{id}/tags', { ...id, body: { tags: ['x'.repeat(51)] } })).response.status).toBe(422);
    expect((await api.PUT('/api/projects/{id}/tags', { ...missing, body: { tags: [] } })).response.status).toBe(404);
    expect((await anonymous.PUT('/api/projects/{id}/tags', { ...id, body: { tags: [] } })).response.status).toBe(401);
  });

  it('archiveProject, restoreProject, stopProjectTimers: success, 404, 422 on a bad id, 401', async () => {
    const p = await newProject();
    const id = { params: { path: { id: p.id } } };
    expect((await api.PUT('/api/projects/{id}/archive', id)).data?.data.active_state).toBe('archived');
    expect((await api.PUT('/api/projects/{id}/restore', id)).data?.data.active_state).toBe('active');
    await api.POST('/api/projects/{id}/timers', { ...id, body: { user_id: f.jane.id } });
    const stopped = await api.PUT('/api/projects/{id}/stop-timers', id);
    const count: number = stopped.data!.data.stopped;
    expect(count).toBe(1);
    for (const path of ['/api/projects/{id}/archive', '/api/projects/{id}/restore', '/api/projects/{id}/stop-timers'] as const) {
      expect((await api.PUT(path, { params: { path: { id: 999999 } } })).response.status).toBe(404);
      expect((await api.PUT(path, { params: { path: { id: 0 } } })).response.status).toBe(422);
      expect((await anonymous.PUT(path, id)).response.status).toBe(401);
    }
  });

  it('cloneProject and deleteProject: JSON, form, 404, 422', async () => {
    const p = await newProject();
    const clone = await api.POST('/api/projects/{id}/clone', { params: { path: { id: p.id } }, body: { project_title: 'Copy', copy_tasks: 'on' } });
    expect(clone.response.status).toBe(201);
    const formClone = await api.POST('/api/projects/{id}/clone', { params: { path: { id: p.id } }, body: { project_title: 'Form copy', copy_milestones: 'on' }, ...formEncoded });
    expect(formClone.response.status).toBe(201);
    // 201 (a copy made in the request) or 202 (queued in the background): here, a small project, 201.
    expect(formClone.data && 'title' in formClone.data.data && formClone.data.data.title).toBe('Form copy');
    expect((await api.POST('/api/projects/{id}/clone', { params: { path: { id: 999999 } }, body: { project_title: 'x' } })).response.status).toBe(404);
    expect((await api.POST('/api/projects/{id}/clone', { params: { path: { id: p.id } }, body: { project_title: '' } })).response.status).toBe(422);
    const deleted = await api.DELETE('/api/projects/{id}', { params: { path: { id: clone.data!.data.id } } });
    expect(deleted.data).toEqual({ data: { id: clone.data!.data.id }, message: 'Project deleted successfully.' });
    expect((await api.DELETE('/api/projects/{id}', { params: { path: { id: clone.data!.data.id } } })).response.status).toBe(404);
    expect((await api.DELETE('/api/projects/{id}', { params: { path: { id: -1 } } })).response.status).toBe(422);
    expect((await anonymous.DELETE('/api/projects/{id}', { params: { path: { id: p.id } } })).response.status).toBe(401);
  });
});

describe('background clones through the typed client', () => {
  it('cloneProject above DUPLICATION_SYNC_LIMIT: 201 with the project by default, 202 with Location on Prefer: respond-async; getProjectDuplication polls it to succeeded; 404, 422', async () => {
    // An instance that copies every clone with a child in the background (the file's server copies them in the request).
    const eager = await startSibling(t, { jobs: true, env: { DUPLICATION_SYNC_LIMIT: '0' } });
    try {
      const background = contractRecorder(createProjectsClient({ baseUrl: eager.baseUrl, apiKey: eager.key }));
      const p = await newProject('Typed template');
      await api.POST('/api/projects/{id}/milestones', { params: { path: { id: p.id } }, body: { milestone_title: 'Launch', milestone_date_due: '2026-06-30' } });
      const waited = await background.POST('/api/projects/{id}/clone', {
        params: { path: { id: p.id } }, body: { project_title: 'Typed waited copy', copy_milestones: 'on' },
      });
      expect(waited.response.status).toBe(201);
      expect(waited.data!.data).toMatchObject({ title: 'Typed waited copy' });
      const accepted = await background.POST('/api/projects/{id}/clone', {
        params: { path: { id: p.id }, header: { Prefer: 'respond-async' } }, body: { project_title: 'Typed copy', project_date_start: '2026-07-01', copy_milestones: 'on' },
      });
      expect(accepted.response.status).toBe(202);
      expect(accepted.response.headers.get('Preference-Applied')).toBe('respond-async');
      const queued = accepted.data!.data;
      if (!('status' in queued) || !('total' in queued)) throw new Error('expected a ProjectDuplication');
      expect(accepted.response.headers.get('Location')).toBe(`/api/project-duplications/${queued.id}`);
      const done = await until('the copy to end', async () => {
        const polled = (await api.GET('/api/project-duplications/{id}', { params: { path: { id: queued.id } } })).data!.data;
        return (polled.status === 'succeeded' || polled.status === 'failed') && polled;
      });
      expect(done).toMatchObject({ status: 'succeeded', progress: 100, total: 1, copied: 1 });
      const milestones = await api.GET('/api/projects/{id}/milestones', { params: { path: { id: done.project_id! } } });
      expect(milestones.data!.data.map((m) => m.date_due)).toEqual(['2026-07-30']);
      expect((await api.GET('/api/project-duplications/{id}', { params: { path: { id: 999999 } } })).error).toEqual({ message: resourceNotFound('Project duplication') });
      expect((await api.GET('/api/project-duplications/{id}', { params: { path: { id: 0 } } })).response.status).toBe(422);
    } finally {
      await eager.close();
    }
  });
});

describe('supporting resources through the typed client', () => {
  it('clients, categories, team users: list, get, create (JSON and form), 401, 404, 422', async () => {
    const client = await api.POST('/api/clients', { body: { client_company_name: 'Typed Co' }, ...formEncoded });
    const clientId = client.data!.data.id;
    expect((await api.GET('/api/clients/{id}', { params: { path: { id: clientId } } })).data?.data.company_name).toBe('Typed Co');
    expect((await api.GET('/api/clients', { params: { query: { sort: 'client_company_name' } } })).data?.meta.total).toBeGreaterThan(0);
    expect((await api.GET('/api/clients/{id}', { params: { path: { id: 999999 } } })).response.status).toBe(404);
    expect((await api.POST('/api/clients', { body: { client_company_name: '' } })).response.status).toBe(422);
    expect((await anonymous.GET('/api/clients')).response.status).toBe(401);

    const category = await api.POST('/api/categories', { body: { category_name: 'Typed' } });
    expect((await api.GET('/api/categories/{id}', { params: { path: { id: category.data!.data.id } } })).data?.data.name).toBe('Typed');
    expect((await api.GET('/api/categories', { params: { query: { search: 'Typ' } } })).data?.data).toHaveLength(1);
    expect((await api.GET('/api/categories/{id}', { params: { path: { id: 999999 } } })).response.status).toBe(404);
    expect((await api.POST('/api/categories', { body: { category_name: '' }, ...formEncoded })).response.status).toBe(422);

    const user = await api.POST('/api/users', { body: { first_name: 'Tia', last_name: 'Typed', email: 'tia@typed.test' }, ...formEncoded });
    const role: 'admin' | 'team' = user.data!.data.role;
    expect(role).toBe('team');
    expect((await api.GET('/api/users/{id}', { params: { path: { id: user.data!.data.id } } })).data?.data.name).toBe('Tia Typed');
    expect((await api.GET('/api/users', { params: { query: { search: 'typed' } } })).data?.data).toHaveLength(1);
    expect((await api.GET('/api/users/{id}', { params: { path: { id: 999999 } } })).response.status).toBe(404);
    expect((await api.POST('/api/users', { body: { first_name: 'T', last_name: 'T', email: 'tia@typed.test' } })).response.status).toBe(422);
  });

  it("a project's tasks, milestones, timers, files, comments, invoices, estimates: list, create (JSON and form), 404, 422", async () => {
    const p = await newProject();
    const id = { params: { path: { id: p.id } } };
    const missing = { params: { path: { id: 999999 } } };

    const task = await api.POST('/api/projects/{id}/tasks', { ...id, body: { task_title: 'T', task_checklist: ['a'], task_files: [{ file_name: 'f', file_url: 'https://x.test/f' }] }, ...formEncoded });
    expect(task.data?.data.files[0]?.name).toBe('f');
    expect((await api.POST('/api/projects/{id}/tasks', { ...id, body: { task_title: 'J', task_status: 'testing' } })).data?.data.status).toBe('testing');
    expect((await api.GET('/api/projects/{id}/tasks', id)).data?.data).toHaveLength(2);
    expect((await api.POST('/api/projects/{id}/tasks', { ...id, body: { task_title: '' } })).response.status).toBe(422);
    expect((await api.GET('/api/projects/{id}/tasks', missing)).response.status).toBe(404);

    expect((await api.POST('/api/projects/{id}/milestones', { ...id, body: { milestone_title: 'M' }, ...formEncoded })).response.status).toBe(201);
    expect((await api.GET('/api/projects/{id}/milestones', id)).data?.data[0]?.title).toBe('M');
    expect((await api.POST('/api/projects/{id}/milestones', { ...id, body: { milestone_title: '' } })).response.status).toBe(422);
    expect((await api.GET('/api/projects/{id}/milestones', missing)).response.status).toBe(404);

    const timer = await api.POST('/api/projects/{id}/timers', { ...id, body: { user_id: f.sam.id }, ...formEncoded });
    expect(timer.data?.data.status).toBe('running');
    expect((await api.GET('/api/projects/{id}/timers', { params: { path: { id: p.id }, query: { status: 'running' } } })).data?.data).toHaveLength(1);
    expect((await api.POST('/api/projects/{id}/timers', { ...id, body: { user_id: 999999 } })).response.status).toBe(422);
    expect((await api.GET('/api/projects/{id}/timers', missing)).response.status).toBe(404);

    expect((await api.POST('/api/projects/{id}/files', { ...id, body: { file_name: 'a.pdf', file_url: 'https://x.test/a.pdf' }, ...formEncoded })).response.status).toBe(201);
    expect((await api.GET('/api/projects/{id}/files', id)).data?.data[0]?.url).toBe('https://x.test/a.pdf');
    expect((await api.POST('/api/projects/{id}/files', { ...id, body: { file_name: 'a', file_url: 'not a url' } })).response.status).toBe(422);
    expect((await api.GET('/api/projects/{id}/files', missing)).response.status).toBe(404);

    const comment = await api.POST('/api/projects/{id}/comments', { ...id, body: { comment_text: 'Looks good', comment_creatorid: f.sam.id }, ...formEncoded });
    expect(comment.data?.data.creator).toEqual({ id: f.sam.id, name: 'Sam Lee' });
    expect((await api.GET('/api/projects/{id}/comments', id)).data?.data[0]?.text).toBe('Looks good');
    expect((await api.POST('/api/projects/{id}/comments', { ...id, body: { comment_text: ' ' } })).response.status).toBe(422);
    const commentPath = { params: { path: { id: p.id, comment_id: comment.data!.data.id } } };
    expect((await api.DELETE('/api/projects/{id}/comments/{comment_id}', commentPath)).data?.data.id).toBe(comment.data!.data.id);
    expect((await api.DELETE('/api/projects/{id}/comments/{comment_id}', commentPath)).response.status).toBe(404);

    const invoice = await api.POST('/api/projects/{id}/invoices', { ...id, body: { invoice_date: '2026-01-01', invoice_due_date: '2026-02-01', invoice_amount: 10 }, ...formEncoded });
    const amount: string = invoice.data!.data.amount;
    expect(amount).toBe('10.00');
    expect((await api.GET('/api/projects/{id}/invoices', id)).data?.data).toHaveLength(1);
    expect((await api.POST('/api/projects/{id}/invoices', { ...id, body: { invoice_date: '2026-01-01', invoice_due_date: '2026-02-01', invoice_amount: -1 } })).response.status).toBe(422);
    expect((await api.GET('/api/projects/{id}/invoices', missing)).response.status).toBe(404);

    expect((await api.POST('/api/projects/{id}/estimates', { ...id, body: { estimate_date: '2026-01-01', estimate_amount: 5, estimate_expiry_date: null }, ...formEncoded })).data?.data.expiry_date).toBeNull();
    expect((await api.GET('/api/projects/{id}/estimates', id)).data?.data).toHaveLength(1);
    expect((await api.POST('/api/projects/{id}/estimates', { ...id, body: { estimate_date: 'soon', estimate_amount: 5 } })).response.status).toBe(422);
    expect((await api.GET('/api/projects/{id}/estimates', missing)).response.status).toBe(404);
    expect((await anonymous.GET('/api/projects/{id}/estimates', id)).response.status).toBe(401);
  });
});

describe('the change feed through the typed client', () => {
  it('listEvents and listProjectActivities: filters, cursor, 404, 422', async () => {
    const project = await newProject('Feed project');
    await api.PUT('/api/projects/{id}/status', { params: { path: { id: project.id } }, body: { status: 'on_hold' } });
    await untilFeedCaughtUp(t);
    const feed = await api.GET('/api/events', { params: { query: { project_id: project.id, type: ['project.created', 'project.status_changed'] } } });
    if (!feed.data) throw new Error(feed.error.message);
    const events: SchemaEvent[] = feed.data.data;
    expect(events.map((e) => e.type)).toEqual(['project.created', 'project.status_changed']);
    expect(events[1]!.changed_fields).toEqual(expect.arrayContaining(['status']));
    const rest = await api.GET('/api/events', { params: { query: { project_id: project.id, after: feed.data.meta.next_cursor! } } });
    expect(rest.data?.data).toEqual([]);
    const activities = await api.GET('/api/projects/{id}/activities', { params: { path: { id: project.id }, query: { limit: 1 } } });
    expect(activities.data?.data.map((e) => e.type)).toEqual(['project.status_changed']);
    const missing = await api.GET('/api/projects/{id}/activities', { params: { path: { id: 999999 } } });
    expect(missing.response.status).toBe(404);
    const tampered = await api.GET('/api/events', { params: { query: { after: 'not-a-cursor' } } });
    expect(tampered.response.status).toBe(422);
  });
});

describe('custom fields through the typed client', () => {
  it('createCustomField, listCustomFields, getCustomField, updateCustomField, deleteCustomField, and values on a project', async () => {
    const created = await api.POST('/api/custom-fields', { body: { custom_field_key: 'client_tier', custom_field_name: 'Tier', custom_field_type: 'single_select', custom_field_options: ['gold', 'silver'] } });
    if (!created.data) throw new Error(created.error.message);
    const field = created.data.data;
    expect((await api.GET('/api/custom-fields')).data?.data.map((c) => c.key)).toContain('client_tier');
    expect((await api.GET('/api/custom-fields/{id}', { params: { path: { id: field.id } } })).data?.data).toEqual(field);
    const form = await api.PATCH('/api/custom-fields/{id}', { params: { path: { id: field.id } }, body: { custom_field_options: ['gold', 'silver', 'bronze'] }, ...formEncoded });
    expect(form.data?.data.options).toEqual(['gold', 'silver', 'bronze']);
    const project = await api.POST('/api/projects', {
      body: { project_clientid: f.client.id, project_categoryid: f.category.id, project_title: 'Tiered', project_date_start: '2026-06-01', project_custom_fields: { client_tier: 'gold' } },
    });
    expect(project.data?.data.custom_fields).toEqual({ client_tier: 'gold' });
    const found = await api.GET('/api/projects', { params: { query: { custom_fields: { client_tier: { eq: 'gold' } } } } });
    expect(found.data?.data.map((p) => p.id)).toEqual([project.data!.data.id]);
    expect((await api.DELETE('/api/custom-fields/{id}', { params: { path: { id: field.id } } })).data?.data).toEqual({ id: field.id });
  });
});

describe('webhooks through the typed client', () => {
  it('createWebhook, listWebhooks, getWebhook, updateWebhook, pingWebhook, listWebhookDeliveries, redeliverWebhookDelivery, deleteWebhook', async () => {
    const received: string[] = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => { body += chunk; });
      req.on('end', () => { received.push(body); res.writeHead(200).end(); });
    }).listen(0, '127.0.0.1');
    await once(receiver, 'listening');
    try {
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
      const created = await api.POST('/api/webhooks', { body: { url, event_types: ['client.created'], description: 'client test' } });
      if (!created.data) throw new Error(created.error.message);
      const hook = created.data.data;
      expect(hook.secret).toMatch(/^whsec_/);
      expect((await api.POST('/api/webhooks', { body: { url: 'not a url' } })).response.status).toBe(422);
      expect((await api.GET('/api/webhooks')).data?.data.map((w) => w.id)).toContain(hook.id);
      expect((await api.GET('/api/webhooks/{id}', { params: { path: { id: hook.id } } })).data?.data.description).toBe('client test');
      expect((await api.GET('/api/webhooks/{id}', { params: { path: { id: 999999 } } })).response.status).toBe(404);
      const form = await api.PATCH('/api/webhooks/{id}', { params: { path: { id: hook.id } }, body: { event_types: ['client.created', 'category.created'] }, ...formEncoded });
      expect(form.data?.data.event_types).toEqual(['client.created', 'category.created']);
      const ping = await api.POST('/api/webhooks/{id}/ping', { params: { path: { id: hook.id } } });
      expect(ping.data?.data).toMatchObject({ ok: true, status_code: 200 });
      await api.POST('/api/clients', { body: { client_company_name: 'Webhook client' } });
      const deliveries: SchemaWebhookDelivery[] = await until('the delivery recorded', async () => {
        const delivered = (await api.GET('/api/webhooks/{id}/deliveries', { params: { path: { id: hook.id }, query: { status: 'delivered' } } })).data?.data ?? [];
        return delivered.length > 0 && delivered;
      });
      expect(deliveries).toHaveLength(1);
      const again = await api.POST('/api/webhooks/{id}/deliveries/{delivery_id}/redeliver', { params: { path: { id: hook.id, delivery_id: deliveries[0]!.id } } });
      expect(again.response.status).toBe(201);
      expect((await api.DELETE('/api/webhooks/{id}', { params: { path: { id: hook.id } } })).data?.data).toEqual({ id: hook.id });
      expect(received.length).toBeGreaterThanOrEqual(2);
    } finally {
      receiver.closeAllConnections();
      await new Promise((resolve) => receiver.close(resolve));
    }
  });
});

describe('the client as a package', () => {
  it("has the spec's version", () => {
    const client = JSON.parse(readFileSync(join(root, 'client/package.json'), 'utf8')) as { version: string };
    expect(client.version).toBe(spec.info.version);
  });

  it('packs, installs alone in an empty project, type-checks a consumer and calls the server', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'client-package-'));
    const packed = await run('npm', ['pack', '--workspace', 'client', '--pack-destination', scratch, '--json'], { cwd: root });
    const [{ filename }] = JSON.parse(packed.stdout) as [{ filename: string }];
    const consumer = join(scratch, 'consumer');
    mkdirSync(consumer);
    writeFileSync(join(consumer, 'package.json'), '{ "name": "consumer", "private": true, "type": "module" }');
    // From the local cache when it has the packages (it does after the repository's own install).
    await run('npm', ['install', join(scratch, filename), '--prefer-offline', '--no-audit', '--no-fund'], { cwd: consumer });

    const lock = JSON.parse(readFileSync(join(consumer, 'package-lock.json'), 'utf8')) as { packages: Record<string, unknown> };
    const installed = Object.keys(lock.packages).filter((p) => p !== '').map((p) => p.replace(/^.*node_modules\//, '')).sort();
    const bytes = treeSize(join(consumer, 'node_modules'));
    console.log(`client package: ${installed.length} packages installed (${installed.join(', ')}), ${(bytes / 1024).toFixed(0)} KiB on disk`);
    expect(installed).toEqual(['@stablelib/base64', 'fast-sha256', 'growcrm-projects-client', 'openapi-fetch', 'openapi-typescript-helpers', 'standardwebhooks']);
    // The READMEs say about 745 KiB of files (measured on 2026-12-07): a larger install must update them.
    expect(bytes).toBeLessThan(790 * 1024);

    // The package's own declarations are type-checked too (no skipLibCheck); no @types/node needed.
    writeFileSync(join(consumer, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', lib: ['ES2022', 'DOM'], types: [], outDir: 'out' },
      files: ['main.ts'],
    }));
    writeFileSync(join(consumer, 'main.ts'), `
      declare const process: { env: Record<string, string | undefined> };
      import { createProjectsClient, type RequestBody, type SchemaProject, type SuccessBody } from 'growcrm-projects-client';
      const api = createProjectsClient({ baseUrl: process.env.URL!, apiKey: process.env.KEY! });
      const body: RequestBody<'createProject'> = {
        project_clientid: Number(process.env.CLIENT_ID), project_categoryid: Number(process.env.CATEGORY_ID),
        project_title: 'From the package', project_date_start: '2026-06-01',
      };
      const created = await api.POST('/api/projects', { body });
      if (!created.data) throw new Error(created.error.message);
      const project: SchemaProject = created.data.data;
      const listed: SuccessBody<'listProjects'> | undefined = (await api.GET('/api/projects', { params: { query: { search: project.title } } })).data;
      // @ts-expect-error the compiler refuses a status outside the spec's enum
      void (() => api.PUT('/api/projects/{id}/status', { params: { path: { id: 1 } }, body: { status: 'done' } }));
      console.log(project.title, listed && 'total' in listed.meta ? listed.meta.total : undefined);
    `);
    await run(join(root, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json'], { cwd: consumer }).catch((e: { stdout: string }) => {
      throw new Error(`the consumer does not compile:\n${e.stdout}`);
    });
    const { stdout } = await run('node', ['out/main.js'], {
      cwd: consumer,
      env: { ...process.env, URL: t.baseUrl, KEY: t.key, CLIENT_ID: String(f.client.id), CATEGORY_ID: String(f.category.id) },
    });
    expect(stdout.trim()).toBe('From the package 1');
  });

  it("the TypeScript snippets of the README and of the client's README compile against the built package", async () => {
    const snippet = (readmePath: string, heading: string) => {
      const readme = readFileSync(join(root, readmePath), 'utf8');
      return /```ts\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf(heading)))![1]!;
    };
    // Inside the repository, where the workspace links `growcrm-projects-client` to `client/`.
    const files = [snippet('README.md', '## Calling the API from TypeScript'), snippet('client/README.md', '## Use'), snippet('client/README.md', '## Verifying webhooks')].map((code, index) => {
      const file = join(root, 'dist', `readme-snippet-${index}.ts`);
      writeFileSync(file, `${code}\nexport {};\n`);
      return file;
    });
    await run('node_modules/.bin/tsc', ['--noEmit', '--strict', '--noUncheckedIndexedAccess', '--skipLibCheck', '--module', 'NodeNext',
      '--moduleResolution', 'NodeNext', '--target', 'ES2022', '--types', 'node', ...files]);
  });

  it('the example lists projects', async () => {
    await newProject('Example project');
    const listed = await api.GET('/api/projects', { params: { query: { search: 'Example project' } } });
    await api.PUT('/api/projects/{id}/status', { params: { path: { id: listed.data!.data[0]!.id } }, body: { status: 'in_progress' } });
    const { stdout } = await run('node_modules/.bin/tsx', ['client/example.ts'], { env: { ...process.env, PROJECTS_API_URL: t.baseUrl, PROJECTS_API_KEY: t.key } });
    expect(stdout).toMatch(/project\(s\) in progress:/);
    expect(stdout).toContain('Example project');
  });

  it('the webhook receiver example verifies a ping from the server and refuses a tampered request', async () => {
    // Subscribed first (the receiver starts with the secret), its URL set once the receiver has a port.
    const created = await api.POST('/api/webhooks', { body: { url: 'http://127.0.0.1:9/hook', event_types: ['client.created'] } });
    const hook = created.data!.data;
    const receiver = spawn(process.execPath, ['--import', 'tsx', 'client/webhook-receiver.ts'], { env: { ...process.env, WEBHOOK_SECRET: hook.secret, PORT: '0' } });
    let output = '';
    receiver.stdout.on('data', (chunk) => { output += chunk; });
    try {
      const url = (await until('the receiver listening', () => /listening on (\S+)/.exec(output)))[1]!;
      await api.PATCH('/api/webhooks/{id}', { params: { path: { id: hook.id } }, body: { url } });
      const ping = await api.POST('/api/webhooks/{id}/ping', { params: { path: { id: hook.id } } });
      expect(ping.data?.data).toMatchObject({ ok: true, status_code: 204, error: null });
      await until('the ping printed', () => output.includes(` ping {"webhook_id":${hook.id}}`));
      expect(output).toMatch(/^ping_[0-9a-f-]{36} ping /m);

      // A forged request (a signature of another body) is answered 401.
      const forged = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'webhook-id': '1', 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), 'webhook-signature': `v1,${'A'.repeat(43)}=` },
        body: '{"id":1}',
      });
      expect(forged.status).toBe(401);
      await until('the refusal printed', () => output.includes('refused: No matching signature found'));
    } finally {
      receiver.kill();
      await api.DELETE('/api/webhooks/{id}', { params: { path: { id: hook.id } } });
    }
  });
});

describe('coverage of the contract', () => {
  it('every response received here matched the spec', () => {
    expect(contractFailures).toEqual([]);
  });

  it('getMe, createApiKey, listApiKeys, revokeApiKey: who a key is, a narrower key made, listed, revoked', async () => {
    const me = await api.GET('/api/me');
    expect(me.data?.data.api_key.role).toBe('admin');
    const created = await api.POST('/api/api-keys', { body: { name: 'reporting', role: 'viewer', scopes: ['projects:read'] } });
    if (!created.data) throw new Error(created.error.message);
    const viewer = contractRecorder(createProjectsClient({ baseUrl: t.baseUrl, apiKey: created.data.data.key }));
    expect((await viewer.GET('/api/me')).data?.data.scopes).toEqual(['projects:read']);
    const refused = await viewer.POST('/api/clients', { body: { client_company_name: 'Not allowed' } });
    expect(refused.response.status).toBe(403);
    expect((await api.GET('/api/api-keys')).data?.data.map((key) => key.name)).toContain('reporting');
    const revoked = await api.DELETE('/api/api-keys/{id}', { params: { path: { id: created.data.data.id } } });
    expect(revoked.data?.data.revoked).toEqual(expect.any(String));
    expect((await viewer.GET('/api/me')).response.status).toBe(401);
  });

  it('every operationId of the spec was exercised through the client', () => {
    const all = routes.map((r) => r.operation.operationId);
    expect(all.filter((op) => !exercised.has(op))).toEqual([]);
  });
});
