// The change feed: every change writes exactly one event in its own transaction, and a cursor walks
// the feed without skipping an event, even one whose transaction commits after later ones.
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { recordsEvents } from '../../../server/http/recording.ts';
import type { OperationId } from '../../../server/contract/operations.ts';
import { operations } from '../../helpers/spec.ts';
import { createProject, untilFeedCaughtUp, useTestServer, type TestServer } from '../../helpers/server.ts';
import { INVALID_CURSOR_MESSAGE } from '../../../server/core/messages.ts';

const onPostgres = Boolean(process.env.DATABASE_URL);
const { t, f } = useTestServer();

/**
 * Every event after `after` (the whole feed without it), following next_cursor to the end; unless
 * `caughtUp` is false, once the feed shows every event committed so far (untilFeedCaughtUp).
 */
async function eventsAfter(server: TestServer, after: string | null, query = '', caughtUp = true): Promise<{ events: any[]; cursor: string | null }> {
  if (caughtUp) await untilFeedCaughtUp(server);
  const events: any[] = [];
  let cursor = after;
  for (;;) {
    const response = await server.api('GET', `/api/events?limit=100${cursor ? `&after=${cursor}` : ''}${query}`);
    expect(response.status).toBe(200);
    if (response.body.data.length === 0) return { events, cursor };
    events.push(...response.body.data);
    cursor = response.body.meta.next_cursor;
  }
}

async function testKeyId(): Promise<number> {
  const key = await t.db.prisma.apiKey.findFirstOrThrow({ where: { name: 'tests' }, orderBy: { id: 'desc' } });
  return key.id;
}

describe('events', () => {
  it('every write operation of the contract records exactly one event of its type, with the key that acted and its user', async () => {
    const keyId = await testKeyId();
    const userId = (await t.api('GET', '/api/me')).body.data.user.id;
    let { cursor } = await eventsAfter(t, null);
    const exercised = new Set<string>();
    /** Runs one write and returns the one event it recorded, checked against what was expected. */
    async function expectOneEvent(operationId: string, call: () => Promise<{ status: number; body: any }>, type: string, projectId: number | null | 'created') {
      const response = await call();
      expect(response.status, `${operationId}: ${JSON.stringify(response.body)}`).toBeLessThan(300);
      const next = await eventsAfter(t, cursor);
      cursor = next.cursor;
      expect(next.events.map((e) => e.type), operationId).toEqual([type]);
      const [event] = next.events;
      expect(event.api_key_id).toBe(keyId);
      expect(event.user_id).toBe(userId);
      expect(event.project_id).toBe(projectId === 'created' ? response.body.data.id : projectId);
      if (response.body.data && type !== 'project.deleted' && type !== 'project.assigned' && type !== 'project.manager_changed') {
        expect(event.data).toEqual(response.body.data);
      }
      exercised.add(operationId);
      return { event, body: response.body };
    }

    const client = (await expectOneEvent('createClient', () => t.api('POST', '/api/clients', { json: { client_company_name: 'Initech' } }), 'client.created', null)).body.data;
    const category = (await expectOneEvent('createCategory', () => t.api('POST', '/api/categories', { json: { category_name: 'Support' } }), 'category.created', null)).body.data;
    const user = (await expectOneEvent('createTeamUser', () => t.api('POST', '/api/users', { json: { first_name: 'Ann', last_name: 'Ray', email: 'ann.ray@initech.test' } }), 'team_user.created', null)).body.data;
    const project = (await expectOneEvent('createProject', () => t.api('POST', '/api/projects', {
      json: { project_clientid: client.id, project_categoryid: category.id, project_title: 'Intranet', project_date_start: '2026-06-01' },
    }), 'project.created', 'created')).body.data;
    const id = project.id;
    const base = `/api/projects/${id}`;
    const field = (await expectOneEvent('createCustomField', () => t.api('POST', '/api/custom-fields', {
      json: { custom_field_key: 'event_field', custom_field_name: 'Event field', custom_field_type: 'text' },
    }), 'custom_field.created', null)).body.data;
    await expectOneEvent('updateCustomField', () => t.api('PATCH', `/api/custom-fields/${field.id}`, { json: { custom_field_name: 'Renamed' } }), 'custom_field.updated', null);
    await expectOneEvent('deleteCustomField', () => t.api('DELETE', `/api/custom-fields/${field.id}`), 'custom_field.deleted', null);

    const updated = await expectOneEvent('updateProject', () => t.api('PATCH', base, { json: { project_title: 'Intranet 2', project_billing_rate: 95 } }), 'project.updated', id);
    expect(updated.event.changed_fields).toEqual(expect.arrayContaining(['title', 'billing.rate', 'dates.updated']));
    expect(updated.event.changed_fields).not.toContain('client.id');
    expect(updated.event.previous).toMatchObject({ title: 'Intranet', 'billing.rate': '0.00', 'dates.updated': project.dates.updated });

    const assigned = await expectOneEvent('assignProject', () => t.api('PUT', `${base}/assign`, { json: { assigned: [user.id, f.jane.id] } }), 'project.assigned', id);
    expect(assigned.event.changed_fields).toEqual(expect.arrayContaining(['assigned']));
    expect(assigned.event.previous.assigned).toEqual([]);
    expect(assigned.event.data.assigned.map((u: { id: number }) => u.id)).toEqual([user.id, f.jane.id].sort((a, b) => a - b));
    const managed = await expectOneEvent('setProjectManager', () => t.api('PUT', `${base}/manager`, { json: { manager: user.id } }), 'project.manager_changed', id);
    expect(managed.event.data.managers).toEqual([{ id: user.id, name: 'Ann Ray' }]);
    await expectOneEvent('changeProjectStatus', () => t.api('PUT', `${base}/status`, { json: { status: 'in_progress' } }), 'project.status_changed', id);
    await expectOneEvent('updateProjectProgress', () => t.api('PUT', `${base}/progress`, { json: { progress: 30 } }), 'project.progress_changed', id);
    await expectOneEvent('setProjectTags', () => t.api('PUT', `${base}/tags`, { json: { tags: ['intranet'] } }), 'project.tags_changed', id);
    await expectOneEvent('archiveProject', () => t.api('PUT', `${base}/archive`), 'project.archived', id);
    await expectOneEvent('restoreProject', () => t.api('PUT', `${base}/restore`), 'project.restored', id);
    await expectOneEvent('startProjectTimer', () => t.api('POST', `${base}/timers`, { json: { user_id: user.id } }), 'timer.started', id);
    await expectOneEvent('stopProjectTimers', () => t.api('PUT', `${base}/stop-timers`), 'project.timers_stopped', id);
    await expectOneEvent('createProjectTask', () => t.api('POST', `${base}/tasks`, { json: { task_title: 'Wireframes' } }), 'task.created', id);
    await expectOneEvent('createProjectMilestone', () => t.api('POST', `${base}/milestones`, { json: { milestone_title: 'Launch' } }), 'milestone.created', id);
    await expectOneEvent('createProjectFile', () => t.api('POST', `${base}/files`, { json: { file_name: 'brief.pdf', file_url: 'https://files.test/brief.pdf' } }), 'file.created', id);
    const comment = (await expectOneEvent('createProjectComment', () => t.api('POST', `${base}/comments`, { json: { comment_text: 'Kick-off done' } }), 'comment.created', id)).body.data;
    await expectOneEvent('deleteProjectComment', () => t.api('DELETE', `${base}/comments/${comment.id}`), 'comment.deleted', id);
    await expectOneEvent('createProjectInvoice', () => t.api('POST', `${base}/invoices`, {
      json: { invoice_date: '2026-06-10', invoice_due_date: '2026-07-10', invoice_amount: 1200 },
    }), 'invoice.created', id);
    await expectOneEvent('createProjectEstimate', () => t.api('POST', `${base}/estimates`, { json: { estimate_date: '2026-06-10', estimate_amount: 900 } }), 'estimate.created', id);
    await expectOneEvent('cloneProject', () => t.api('POST', `${base}/clone`, { json: { project_title: 'Intranet copy' } }), 'project.cloned', 'created');
    const before = (await t.api('GET', base)).body.data;
    const deleted = await expectOneEvent('deleteProject', () => t.api('DELETE', base), 'project.deleted', id);
    expect(deleted.event.data).toEqual(before);

    // The test walked every write operation of the spec: a new one fails here until it is covered.
    const writes = operations.filter((op) => op.method !== 'get' && recordsEvents(op.operationId as OperationId)).map((op) => op.operationId);
    // Only webhook configuration and delivery, and API keys, record nothing.
    expect(operations.filter((op) => op.method !== 'get' && !recordsEvents(op.operationId as OperationId)).every((op) => op.tags?.some((tag) => ['Subscriptions', 'Access'].includes(tag)))).toBe(true);
    expect([...exercised].sort()).toEqual(writes.sort());

    // A deleted project's events stay in the global feed, filterable by project; its activities are gone with it.
    const ofProject = await eventsAfter(t, null, `&project_id=${id}`);
    expect(ofProject.events).toHaveLength(exercised.size - 7);
    expect((await t.api('GET', `${base}/activities`)).status).toBe(404);
  });

  it('a change that fails or changes nothing records no event', async () => {
    const p = await createProject(t, f);
    const { cursor } = await eventsAfter(t, null);
    const base = `/api/projects/${p.id}`;
    expect((await t.api('PATCH', base, { json: { project_categoryid: 999999 } })).status).toBe(422);
    expect((await t.api('PATCH', base, { json: { project_title: 'x' }, headers: { 'If-Match': '"v999"' } })).status).toBe(412);
    expect((await t.api('PUT', `${base}/stop-timers`)).status).toBe(200);
    expect((await t.api('PUT', `${base}/restore`)).status).toBe(200);
    expect((await t.api('PATCH', '/api/projects/999999', { json: { project_title: 'x' } })).status).toBe(404);
    expect((await eventsAfter(t, cursor)).events).toEqual([]);
  });

  it('project activities list the project\'s events, newest first, filtered by type and time, paged by cursor', async () => {
    const p = await createProject(t, f);
    const base = `/api/projects/${p.id}`;
    await t.api('POST', `${base}/milestones`, { json: { milestone_title: 'One' } });
    await t.api('PUT', `${base}/status`, { json: { status: 'on_hold' } });
    await t.api('POST', `${base}/milestones`, { json: { milestone_title: 'Two' } });
    await untilFeedCaughtUp(t);

    const all = (await t.api('GET', `${base}/activities`)).body;
    expect(all.message).toBe('Activities retrieved successfully.');
    expect(all.data.map((e: any) => e.type)).toEqual(['milestone.created', 'project.status_changed', 'milestone.created', 'project.created']);
    const ids = all.data.map((e: any) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));

    const first = (await t.api('GET', `${base}/activities?limit=2&order=asc`)).body;
    expect(first.data.map((e: any) => e.type)).toEqual(['project.created', 'milestone.created']);
    const second = (await t.api('GET', `${base}/activities?limit=2&order=asc&after=${first.meta.next_cursor}`)).body;
    expect(second.data.map((e: any) => e.type)).toEqual(['project.status_changed', 'milestone.created']);
    const end = (await t.api('GET', `${base}/activities?limit=2&order=asc&after=${second.meta.next_cursor}`)).body;
    expect(end).toMatchObject({ data: [], meta: { next_cursor: null } });

    const milestones = (await t.api('GET', `${base}/activities?type=milestone.created`)).body.data;
    expect(milestones.map((e: any) => e.data.title)).toEqual(['Two', 'One']);
    const statusChange = all.data[1];
    const exactly = (await t.api('GET', `${base}/activities?occurred_from=${statusChange.occurred_at}&occurred_to=${statusChange.occurred_at}`)).body.data;
    expect(exactly.map((e: any) => e.id)).toEqual([statusChange.id]);
  });

  it('refuses a tampered cursor and an unknown event type with a 422 naming the parameter', async () => {
    const bad = await t.api('GET', `/api/events?after=${Buffer.from('{"t":"1","i":"x"}').toString('base64url')}`);
    expect(bad.status).toBe(422);
    expect(bad.body.errors.after).toEqual([INVALID_CURSOR_MESSAGE]);
    const unknown = await t.api('GET', '/api/events?type=project.exploded');
    expect(unknown.status).toBe(422);
    expect(Object.keys(unknown.body.errors)).toEqual(['type']);
  });

  if (onPostgres) it('a cursor never passes an event whose transaction commits after later ones (PostgreSQL)', async () => {
    const p = await createProject(t, f);
    const { cursor } = await eventsAfter(t, null);
    // Another session writes an event in a transaction it keeps open while the API records others.
    const late = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await late.connect();
    try {
      await late.query('BEGIN');
      const milestone = { id: 1, project_id: p.id, title: 'Committed last', date_due: null, created: '2026-06-15T09:30:00.000000Z' };
      await late.query(`INSERT INTO events (organization_id, type, project_id, api_key_id, changed_fields, data) VALUES (1, 'milestone.created', $1, $2, '{}', $3)`, [p.id, await testKeyId(), milestone]);
      expect((await t.api('POST', `/api/projects/${p.id}/milestones`, { json: { milestone_title: 'Committed first' } })).status).toBe(201);
      // The API's event has committed, but the open transaction is older: the feed holds it back.
      const meanwhile = await eventsAfter(t, cursor, '', false);
      expect(meanwhile.events).toEqual([]);
      await late.query('COMMIT');
      const after = await eventsAfter(t, cursor);
      expect(after.events.map((e) => e.data.title)).toEqual(['Committed last', 'Committed first']);
    } finally {
      await late.end();
    }
  });
});
