// Templates (left out of lists unless asked for, cloned to start projects, task and milestone due
// dates moved with the start date) and background duplication (201 once copied by default; with
// Prefer: respond-async, 202 + an operation to poll; a pg-boss
// job that runs on any instance, runs twice without a second project (survives a killed instance:
// test/system/projects/duplication/killed-server.test.ts),
// and reports a failure with its reason). On PGlite by default, on PostgreSQL with DATABASE_URL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../server/platform/config.ts';
import { runDuplication } from '../../../../server/projects/duplication/jobs.ts';
import { awaitDuplication } from '../../../../server/projects/duplication/wait.ts';
import { createFixtures, startSibling, startTestServer, untilFeedCaughtUp, type Fixtures, type TestServer } from '../../../helpers/server.ts';
import { until } from '../../../helpers/wait.ts';
import { cloneChildDatesOutside, cloneNotCompleted, cloneStillCopying, DUPLICATION_COPY_DELETED_MESSAGE, DUPLICATION_SOURCE_GONE_MESSAGE, JOBS_NOT_RUNNING_MESSAGE, resourceNotFound } from '../../../../server/core/messages.ts';

/** Small thresholds, so that a handful of rows is a "large" project. */
const SMALL = { DUPLICATION_SYNC_LIMIT: '5', DUPLICATION_CHUNK_ROWS: '2', DUPLICATION_MAX_ATTEMPTS: '2' };
/** RFC 7240: the client asks for the background copy's operation (202) instead of the project. */
const ASYNC = { Prefer: 'respond-async' };
/** How long this instance's clones without Prefer wait for their copy, which nothing runs here. */
const WAIT_MS = 300;
const settings = { duplicationChunkRows: 2, duplicationMaxAttempts: 2, projectNumberFormat: loadConfig({}).projectNumberFormat };

// This instance queues jobs but runs none: each test decides who runs them.
let t: TestServer;
let f: Fixtures;
beforeAll(async () => {
  t = await startTestServer({ jobs: true, env: { ...SMALL, BACKGROUND_JOBS: 'false', DUPLICATION_WAIT_MS: String(WAIT_MS) } });
  f = await createFixtures(t);
});
afterAll(async () => { await t?.close(); });

async function newProject(server: TestServer, extra: Record<string, unknown> = {}) {
  const r = await server.api('POST', '/api/projects', {
    json: { project_clientid: f.client.id, project_categoryid: f.category.id, project_title: 'Onboarding', project_date_start: '2026-01-01', ...extra },
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.data;
}

/** A template starting 2026-01-01 with 3 tasks (one checklist item each; two due) and 2 milestones: 8 rows. */
async function newTemplate(server: TestServer, title: string) {
  const template = await newProject(server, { project_title: title, project_is_template: 'on', project_date_due: '2026-01-31' });
  for (const [i, due] of [['2026-01-08'], ['2026-01-20'], [null]].entries()) {
    const r = await server.api('POST', `/api/projects/${template.id}/tasks`, { json: { task_title: `Task ${i}`, task_date_due: due[0], task_checklist: [`Step ${i}`] } });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
  }
  await server.api('POST', `/api/projects/${template.id}/milestones`, { json: { milestone_title: 'Kick-off', milestone_date_due: '2026-01-15' } });
  await server.api('POST', `/api/projects/${template.id}/milestones`, { form: { milestone_title: 'No date', milestone_date_due: '' } });
  return template;
}

const everything = { copy_tasks: 'on', copy_tasks_checklist: 'on', copy_milestones: 'on' } as const;

async function children(server: TestServer, id: number) {
  const tasks = (await server.api('GET', `/api/projects/${id}/tasks?order=asc`)).body.data;
  const milestones = (await server.api('GET', `/api/projects/${id}/milestones?order=asc`)).body.data;
  return {
    tasks: tasks.map((x: any) => [x.title, x.date_due, x.status, x.checklist.map((c: any) => c.text)]),
    milestones: milestones.map((x: any) => [x.title, x.date_due]),
  };
}

const listed = async (query: string) => (await t.api('GET', `/api/projects?limit=100&${query}`)).body.data.map((p: any) => p.id);

describe('templates', () => {
  it('are left out of the list unless template=include or only, and filterable in the grammar', async () => {
    const template = await newProject(t, { project_title: 'Template A', project_is_template: 'on' });
    const form = await t.api('POST', '/api/projects', {
      form: { project_clientid: f.client.id, project_categoryid: f.category.id, project_title: 'Template B', project_date_start: '2026-01-01', project_is_template: 'on' },
    });
    expect(form.body.data.is_template).toBe(true);
    const plain = await newProject(t, { project_title: 'Plain' });
    expect(template.is_template).toBe(true);
    expect(plain.is_template).toBe(false);

    expect(await listed('')).toContain(plain.id);
    expect(await listed('')).not.toContain(template.id);
    expect(await listed('template=exclude')).not.toContain(form.body.data.id);
    expect(await listed('template=include')).toEqual(expect.arrayContaining([template.id, form.body.data.id, plain.id]));
    const only = await listed('template=only');
    expect(only).toEqual(expect.arrayContaining([template.id, form.body.data.id]));
    expect(only).not.toContain(plain.id);
    expect(await listed('template=include&filter[is_template][eq]=true')).toEqual(only);
    expect((await t.api('GET', '/api/projects?template=all')).status).toBe(422);
    expect((await t.api('GET', `/api/projects?template=only&fields=title,is_template`)).body.data[0]).toEqual({ id: only[0], title: expect.any(String), is_template: true });

    // A template is a project otherwise: it can be read and changed, and turned into an ordinary one.
    expect((await t.api('GET', `/api/projects/${template.id}`)).body.data.is_template).toBe(true);
    const updated = await t.api('PATCH', `/api/projects/${template.id}`, { json: { project_is_template: 'off' } });
    expect(updated.body.data.is_template).toBe(false);
    expect(await listed('')).toContain(template.id);
  });

  it('a clone of a template is an ordinary project whose task and milestone due dates move with the start date', async () => {
    const template = await newTemplate(t, 'Client onboarding template');
    // 2 milestones + 3 tasks + 3 checklist items = 8 rows: over the limit of 5. Milestones and tasks alone (5): in the request.
    const r = await t.api('POST', `/api/projects/${template.id}/clone`, { json: { project_title: 'Onboarding Acme', project_date_start: '2026-06-01', copy_tasks: 'on', copy_milestones: 'on' } });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.message).toBe('Project cloned successfully.');
    expect(r.body.data).toMatchObject({ title: 'Onboarding Acme', is_template: false, dates: { start: '2026-06-01', due: '2026-07-01' } });
    expect(r.body.data).not.toHaveProperty('template_object');
    const asked = await t.api('GET', `/api/projects/${r.body.data.id}?include=template_object`);
    expect(asked.body.data.template_object).toEqual({ id: template.id, title: 'Client onboarding template' });
    expect(await children(t, r.body.data.id)).toEqual({
      tasks: [['Task 0', '2026-06-08', 'new', []], ['Task 1', '2026-06-20', 'new', []], ['Task 2', null, 'new', []]],
      milestones: [['Kick-off', '2026-06-15'], ['No date', null]],
    });
    // The template is left as it was, and still out of the list; the new project is in it.
    expect((await children(t, template.id)).tasks.map((x: any) => x[1])).toEqual(['2026-01-08', '2026-01-20', null]);
    expect(await listed('')).toContain(r.body.data.id);
    expect(await listed('')).not.toContain(template.id);

    // Without a new start date the dates are copied as they are; earlier starts move them back.
    const same = await t.api('POST', `/api/projects/${template.id}/clone`, { json: { project_title: 'Same dates', copy_milestones: 'on' } });
    expect((await children(t, same.body.data.id)).milestones).toEqual([['Kick-off', '2026-01-15'], ['No date', null]]);
    const earlier = await t.api('POST', `/api/projects/${template.id}/clone`, { form: { project_title: 'Earlier', project_date_start: '2025-12-25', copy_milestones: 'on', project_is_template: 'on' } });
    expect(earlier.body.data.is_template).toBe(true);
    expect((await children(t, earlier.body.data.id)).milestones).toEqual([['Kick-off', '2026-01-08'], ['No date', null]]);

    const tooFar = await t.api('POST', `/api/projects/${template.id}/clone`, { json: { project_title: 'Far', project_date_start: '9999-12-20', project_date_due: null, copy_milestones: 'on' } });
    expect(tooFar.status).toBe(422);
    expect(tooFar.body.errors.project_date_start).toEqual([cloneChildDatesOutside('0001-01-01', '9999-12-31')]);
  });

  it('template_object names the template a project was cloned from: none for a clone of a project or a new project; cleared when the template is deleted', async () => {
    const template = await newTemplate(t, 'Short-lived template');
    const withTemplate = async (id: number) => (await t.api('GET', `/api/projects/${id}?include=template_object`)).body.data;
    const fromTemplate = await withTemplate((await t.api('POST', `/api/projects/${template.id}/clone`, { json: { project_title: 'From the template' } })).body.data.id);
    expect(fromTemplate.template_object).toEqual({ id: template.id, title: 'Short-lived template' });
    const fromProject = await withTemplate((await t.api('POST', `/api/projects/${fromTemplate.id}/clone`, { json: { project_title: 'From the project' } })).body.data.id);
    expect(fromProject.template_object).toBeNull();
    expect((await withTemplate((await newProject(t)).id)).template_object).toBeNull();
    const listed = await t.api('GET', `/api/projects?fields=template_object&filter[id][eq]=${fromTemplate.id}`);
    expect(listed.body.data).toEqual([{ id: fromTemplate.id, template_object: { id: template.id, title: 'Short-lived template' } }]);
    expect((await t.api('DELETE', `/api/projects/${template.id}`)).status).toBe(200);
    expect((await withTemplate(fromTemplate.id)).template_object).toBeNull();
  });
});

describe('background duplication', () => {
  it('without Prefer, a clone above DUPLICATION_SYNC_LIMIT is answered as the Grow page says: 201 with the new project, once copied', async () => {
    const template = await newTemplate(t, 'Waited template');
    const worker = await startSibling(t, { jobs: true, env: SMALL });
    try {
      // The page's own request, on an instance that runs background copies.
      const r = await worker.api('POST', `/api/projects/${template.id}/clone`, { form: { project_title: 'Website Redesign (copy)', copy_tasks: 'on', copy_tasks_checklist: 'on', copy_milestones: 'on' } });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      expect(r.body.message).toBe('Project cloned successfully.');
      expect(r.headers.get('preference-applied')).toBeNull();
      expect(r.headers.get('location')).toBeNull();
      const project = (await t.api('GET', `/api/projects/${r.body.data.id}`));
      expect(project.body.data).toEqual(r.body.data);
      expect(r.headers.get('etag')).toBe(project.headers.get('etag'));
      expect(r.body.data).toMatchObject({ title: 'Website Redesign (copy)', is_template: false });
      expect(await children(t, r.body.data.id)).toEqual({
        tasks: [['Task 0', '2026-01-08', 'new', ['Step 0']], ['Task 1', '2026-01-20', 'new', ['Step 1']], ['Task 2', null, 'new', ['Step 2']]],
        milestones: [['Kick-off', '2026-01-15'], ['No date', null]],
      });
      // With an Idempotency-Key, the retry is answered with the same project.
      const keyed = () => worker.api('POST', `/api/projects/${template.id}/clone`, { json: { project_title: 'Keyed', ...everything }, headers: { 'Idempotency-Key': `wait-${template.id}` } });
      const first = await keyed();
      const again = await keyed();
      expect([first.status, again.status, again.headers.get('idempotent-replayed')]).toEqual([201, 201, 'true']);
      expect(again.body.data.id).toBe(first.body.data.id);
    } finally {
      await worker.close();
    }
  });

  it('without Prefer, a copy still running after DUPLICATION_WAIT_MS is a 503 naming the Prefer header and the operation, which goes on', async () => {
    const template = await newTemplate(t, 'Slow template');
    // Nothing runs background copies on this instance: the wait ends first.
    const r = await t.api('POST', `/api/projects/${template.id}/clone`, { json: { project_title: 'Slow copy', ...everything } });
    expect(r.status).toBe(503);
    const location = r.headers.get('location')!;
    expect(location).toMatch(/^\/api\/project-duplications\/\d+$/);
    expect(r.body).toEqual({ message: cloneStillCopying(Math.round(WAIT_MS / 1000), location) });
    expect(r.body.message).toContain('Prefer: respond-async');
    expect(r.headers.get('retry-after')).toBeNull();
    expect((await t.api('GET', location)).body.data).toMatchObject({ status: 'queued', source_project_id: template.id });
    await runDuplication(t.db.prisma, Number(location.split('/').at(-1)), settings);
    expect((await t.api('GET', location)).body.data.status).toBe('succeeded');
  });

  it('with Prefer: respond-async a clone within DUPLICATION_SYNC_LIMIT is still made at once: 201, the preference not applied', async () => {
    const template = await newTemplate(t, 'Small template');
    const r = await t.api('POST', `/api/projects/${template.id}/clone`, { json: { project_title: 'Small copy', copy_milestones: 'on' }, headers: ASYNC });
    expect(r.status).toBe(201);
    expect(r.headers.get('preference-applied')).toBeNull();
    expect(r.body.data.title).toBe('Small copy');
  });

  it('with Prefer: respond-async, a clone above DUPLICATION_SYNC_LIMIT is 202 with Location; another instance copies it; polling shows progress to succeeded', async () => {
    const template = await newTemplate(t, 'Big template');
    const accepted = await t.api('POST', `/api/projects/${template.id}/clone`, { json: { project_title: 'Big copy', project_date_start: '2026-03-01', ...everything }, headers: ASYNC });
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(202);
    expect(accepted.body.message).toBe('Project duplication queued successfully.');
    expect(accepted.headers.get('preference-applied')).toBe('respond-async');
    const location = accepted.headers.get('location')!;
    expect(location).toBe(`/api/project-duplications/${accepted.body.data.id}`);
    expect(accepted.body.data).toMatchObject({ source_project_id: template.id, status: 'queued', progress: 0, total: 8, copied: 0, project_id: null, project_url: null, error: null, started: null });
    // Nothing runs it here (BACKGROUND_JOBS=false): still queued.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect((await t.api('GET', location)).body.data.status).toBe('queued');

    const worker = await startSibling(t, { jobs: true, env: SMALL });
    try {
      const seen: any[] = [];
      const done = await until('the copy to succeed', async () => {
        const { data } = (await t.api('GET', location)).body;
        seen.push(data);
        return data.status === 'succeeded' && data;
      });
      expect(done).toMatchObject({ progress: 100, copied: 8, total: 8, error: null, project_url: `/api/projects/${done.project_id}` });
      expect(done.started).not.toBeNull();
      expect(done.finished).not.toBeNull();
      const progress = seen.map((d) => d.progress);
      expect(progress).toEqual([...progress].sort((a, b) => a - b));
      const project = (await t.api('GET', `${done.project_url}?include=last_actor,template_object`)).body.data;
      expect(project).toMatchObject({ title: 'Big copy', is_template: false, dates: { start: '2026-03-01', due: '2026-03-31' }, progress: 0 });
      // The job acts as the user of the key that queued it.
      const me = (await t.api('GET', '/api/me')).body.data.user;
      expect(project.template_object).toEqual({ id: template.id, title: 'Big template' });
      expect(project.last_actor).toEqual({ id: me.id, name: me.name });
      expect(await children(t, project.id)).toEqual({
        tasks: [['Task 0', '2026-03-08', 'new', ['Step 0']], ['Task 1', '2026-03-20', 'new', ['Step 1']], ['Task 2', null, 'new', ['Step 2']]],
        milestones: [['Kick-off', '2026-03-15'], ['No date', null]],
      });
      await untilFeedCaughtUp(t);
      const events = (await t.api('GET', `/api/projects/${project.id}/activities?type=project.cloned`)).body.data;
      expect(events.map((e: any) => [e.type, e.data.id, e.data.title, e.user_id])).toEqual([['project.cloned', project.id, 'Big copy', me.id]]);
    } finally {
      await worker.close();
    }
  });

  it('an Idempotency-Key retry of a 202 gets the same operation; without a job queue a large clone is a 503', async () => {
    const template = await newTemplate(t, 'Retry template');
    const send = () => t.api('POST', `/api/projects/${template.id}/clone`, { json: { project_title: 'Retried', ...everything }, headers: { ...ASYNC, 'Idempotency-Key': `dup-${template.id}` } });
    const first = await send();
    const again = await send();
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('location')).toBe(first.headers.get('location'));
    expect(again.body.data.id).toBe(first.body.data.id);

    const noQueue = await startSibling(t, { env: SMALL });
    try {
      const refused = await noQueue.api('POST', `/api/projects/${template.id}/clone`, { json: { project_title: 'No queue', ...everything } });
      expect(refused.status).toBe(503);
      expect(refused.body.message).toBe(JOBS_NOT_RUNNING_MESSAGE);
      // A small clone needs no queue.
      expect((await noQueue.api('POST', `/api/projects/${template.id}/clone`, { json: { project_title: 'Small', copy_milestones: 'on' } })).status).toBe(201);
    } finally {
      await noQueue.close();
    }
  });

  it('a job that runs twice at once makes one project', async () => {
    const template = await newTemplate(t, 'Twice template');
    const title = `Twice ${Date.now()}`;
    const accepted = await t.api('POST', `/api/projects/${template.id}/clone`, { json: { project_title: title, ...everything }, headers: ASYNC });
    expect(accepted.status).toBe(202);
    const id = accepted.body.data.id;
    await Promise.all([runDuplication(t.db.prisma, id, settings), runDuplication(t.db.prisma, id, settings)]);
    await runDuplication(t.db.prisma, id, settings);
    const done = (await t.api('GET', `/api/project-duplications/${id}`)).body.data;
    expect(done).toMatchObject({ status: 'succeeded', copied: 8 });
    const copies = (await t.api('GET', `/api/projects?limit=100&search=${encodeURIComponent(title)}`)).body.data;
    expect(copies.map((p: any) => p.id)).toEqual([done.project_id]);
    const { tasks, milestones } = await children(t, done.project_id);
    expect([tasks.length, milestones.length]).toEqual([3, 2]);
  });

  it('a copy whose source is deleted before it runs is failed, with the reason, and leaves no project', async () => {
    const template = await newTemplate(t, 'Doomed template');
    const accepted = await t.api('POST', `/api/projects/${template.id}/clone`, { json: { project_title: 'Doomed copy', ...everything }, headers: ASYNC });
    expect(accepted.status).toBe(202);
    expect((await t.api('DELETE', `/api/projects/${template.id}`)).status).toBe(200);
    const worker = await startSibling(t, { jobs: true, env: SMALL });
    try {
      const failed = await until('the copy to fail', async () => {
        const { data } = (await t.api('GET', accepted.headers.get('location')!)).body;
        return data.status === 'failed' && data;
      });
      expect(failed).toMatchObject({ source_project_id: null, error: DUPLICATION_SOURCE_GONE_MESSAGE, project_id: null, project_url: null });
      // A request without Prefer that waited for this copy is answered 409 with the reason.
      await expect(awaitDuplication(t.db.prisma, failed.id, WAIT_MS)).rejects.toMatchObject({ status: 409, message: cloneNotCompleted(DUPLICATION_SOURCE_GONE_MESSAGE) });
      expect(failed.finished).not.toBeNull();
      expect((await t.api('GET', '/api/projects?search=Doomed%20copy')).body.data).toEqual([]);
    } finally {
      await worker.close();
    }
    expect((await t.api('GET', '/api/project-duplications/999999')).body).toEqual({ message: resourceNotFound('Project duplication') });
  });

  it('a copy cut short goes on where its last commit left off; one whose new project was deleted meanwhile is failed', async () => {
    const template = await newTemplate(t, 'Interrupted template');
    const accepted = await t.api('POST', `/api/projects/${template.id}/clone`, { json: { project_title: 'Interrupted', ...everything }, headers: ASYNC });
    const id = accepted.body.data.id;
    // Two steps (the new project, then a chunk of 2 rows), as an instance killed after them leaves it.
    await runDuplication(t.db.prisma, id, settings, 2);
    const halfway = (await t.api('GET', `/api/project-duplications/${id}`)).body.data;
    expect(halfway).toMatchObject({ status: 'running', copied: 2, progress: 25, project_url: null });
    expect((await children(t, halfway.project_id)).milestones).toHaveLength(2);
    await runDuplication(t.db.prisma, id, settings);
    const done = (await t.api('GET', `/api/project-duplications/${id}`)).body.data;
    expect(done).toMatchObject({ status: 'succeeded', copied: 8, project_id: halfway.project_id });
    const { tasks, milestones } = await children(t, done.project_id);
    expect([tasks.length, milestones.length]).toEqual([3, 2]);

    const other = (await t.api('POST', `/api/projects/${template.id}/clone`, { json: { project_title: 'Deleted meanwhile', ...everything }, headers: ASYNC })).body.data;
    await runDuplication(t.db.prisma, other.id, settings, 1);
    const started = (await t.api('GET', `/api/project-duplications/${other.id}`)).body.data;
    expect((await t.api('DELETE', `/api/projects/${started.project_id}`)).status).toBe(200);
    await runDuplication(t.db.prisma, other.id, settings);
    expect((await t.api('GET', `/api/project-duplications/${other.id}`)).body.data).toMatchObject({
      status: 'failed', error: DUPLICATION_COPY_DELETED_MESSAGE, project_id: null,
    });
  });
});
