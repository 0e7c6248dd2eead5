// A client that only knows the Grow page: its PATCH example on an archived project, and actions that
// change nothing. A field sent with the value it has is no change: an archived project accepts it,
// and a request that changes nothing leaves the project as it was (row, ETag, `dates.updated`) and
// records no event, while answering as the page says.
import { describe, expect, it } from 'vitest';
import { createProject, untilFeedCaughtUp, useTestServer, type FormValue } from '../../helpers/server.ts';
import { PROJECT_ARCHIVED_MESSAGE } from '../../../server/core/messages.ts';

const { t, f } = useTestServer();

/** The project as a GET shows it, with its ETag, and its events so far. */
async function snapshot(id: number) {
  const got = await t.api('GET', `/api/projects/${id}`);
  await untilFeedCaughtUp(t);
  const events = (await t.api('GET', `/api/projects/${id}/activities?limit=100`)).body.data.map((e: { id: number }) => e.id);
  return { data: got.body.data, etag: got.headers.get('etag'), events };
}

describe('the Grow page\'s PATCH example on an archived project', () => {
  it('accepts the unchanged category and start date with the new title; a real change is still refused', async () => {
    const project = await createProject(t, f, { project_title: 'Website Redesign', project_categoryid: f.category.id, project_date_start: '2026-06-01' });
    await t.api('PUT', `/api/projects/${project.id}/archive`);
    const r = await t.api('PATCH', `/api/projects/${project.id}`, {
      form: { project_title: 'Website Redesign v2', project_categoryid: f.category.id, project_date_start: '2026-06-01' },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ data: { id: project.id, title: 'Website Redesign v2', active_state: 'archived' }, message: 'Project updated successfully.' });

    const changed = await t.api('PATCH', `/api/projects/${project.id}`, {
      form: { project_title: 'v3', project_categoryid: f.otherCategory.id, project_date_start: '2026-06-02' },
    });
    expect(changed.status).toBe(422);
    expect(changed.body.errors).toEqual({ project_categoryid: [PROJECT_ARCHIVED_MESSAGE], project_date_start: [PROJECT_ARCHIVED_MESSAGE] });
    expect((await t.api('GET', `/api/projects/${project.id}`)).body.data.title).toBe('Website Redesign v2');
  });

  it('accepts the values an archived project already has from the actions too, and refuses others', async () => {
    const project = await createProject(t, f);
    const path = `/api/projects/${project.id}`;
    await t.api('PUT', `${path}/tags`, { json: { tags: ['a'] } });
    await t.api('PUT', `${path}/assign`, { json: { assigned: [f.jane.id] } });
    await t.api('PUT', `${path}/archive`);
    const before = await snapshot(project.id);
    for (const [url, json] of [[`${path}/status`, { status: 'not_started' }], [`${path}/tags`, { tags: ['a'] }], [`${path}/assign`, { assigned: [f.jane.id] }]] as const) {
      expect((await t.api('PUT', url, { json })).status, url).toBe(200);
    }
    expect(await snapshot(project.id)).toEqual(before);
    for (const [url, json] of [[`${path}/status`, { status: 'completed' }], [`${path}/tags`, { tags: ['b'] }], [`${path}/assign`, { assigned: [f.sam.id] }]] as const) {
      const r = await t.api('PUT', url, { json });
      expect([url, r.status, r.body.errors]).toEqual([url, 422, { id: [PROJECT_ARCHIVED_MESSAGE] }]);
    }
    expect(await snapshot(project.id)).toEqual(before);
  });
});

describe('a request that changes nothing changes nothing', () => {
  it('leaves the row, the ETag and dates.updated as they were, records no event, and answers as the page says', async () => {
    const project = await createProject(t, f, { project_title: 'Steady', project_categoryid: f.category.id, project_date_start: '2026-06-01', project_billing_rate: 80.5 });
    const path = `/api/projects/${project.id}`;
    // Every action once with a real change, so that each has a value to repeat.
    await t.api('PUT', `${path}/assign`, { form: `assigned[]=${f.sam.id}&assigned[]=${f.jane.id}` });
    await t.api('PUT', `${path}/manager`, { form: { manager: f.jane.id } });
    await t.api('PUT', `${path}/status`, { form: { status: 'in_progress' } });
    await t.api('PUT', `${path}/progress`, { form: { progress: 50 } });
    await t.api('PUT', `${path}/tags`, { form: 'tags[]=priority&tags[]=q3' });
    const before = await snapshot(project.id);

    const again: [string, string, Record<string, FormValue> | string, Record<string, unknown>][] = [
      ['PATCH', path, { project_title: 'Steady', project_categoryid: f.category.id, project_date_start: '2026-06-01', project_billing_rate: '80.50' }, { message: 'Project updated successfully.' }],
      ['PATCH', path, {}, { message: 'Project updated successfully.' }],
      ['PUT', `${path}/assign`, `assigned[]=${f.jane.id}&assigned[]=${f.sam.id}&assigned[]=${f.jane.id}`,
        { data: { id: project.id, assigned: [{ id: f.jane.id, name: 'Jane Doe' }, { id: f.sam.id, name: 'Sam Lee' }] }, message: 'Project assignees updated successfully.' }],
      ['PUT', `${path}/manager`, { manager: f.jane.id }, { data: { id: project.id, managers: [{ id: f.jane.id, name: 'Jane Doe' }] }, message: 'Project manager updated successfully.' }],
      ['PUT', `${path}/status`, { status: 'in_progress' }, { data: { status: 'in_progress' }, message: 'Project status updated successfully.' }],
      ['PUT', `${path}/progress`, { progress: 50 }, { data: { progress: 50, progress_manually: 'yes' }, message: 'Project progress updated successfully.' }],
      ['PUT', `${path}/tags`, 'tags[]=priority&tags[]=q3&tags[]=priority', { data: { tags: ['priority', 'q3'] }, message: 'Project tags updated successfully.' }],
      ['PUT', `${path}/stop-timers`, {}, { data: { id: project.id, stopped: 0 }, message: 'Project timers stopped successfully.' }],
      ['PUT', `${path}/restore`, {}, { data: { active_state: 'active' }, message: 'Project restored successfully.' }],
    ];
    for (const [method, url, body, answer] of again) {
      const r = await t.api(method, url, { form: body });
      expect([url, r.status], JSON.stringify(r.body)).toEqual([url, 200]);
      expect(r.body, url).toMatchObject(answer);
      expect(r.headers.get('etag'), url).toBe(before.etag);
    }
    expect(await snapshot(project.id)).toEqual(before);

    // A real change still moves them.
    const changed = await t.api('PUT', `${path}/status`, { form: { status: 'on_hold' } });
    expect(changed.headers.get('etag')).not.toBe(before.etag);
    const after = await snapshot(project.id);
    expect(after.events).toHaveLength(before.events.length + 1);
    expect(after.data.dates.updated).not.toBe(before.data.dates.updated);
  });

  it('a custom field value sent again is no change', async () => {
    const key = `tier_${Date.now()}`;
    expect((await t.api('POST', '/api/custom-fields', { json: { custom_field_key: key, custom_field_name: 'Tier', custom_field_type: 'number' } })).status).toBe(201);
    const project = await createProject(t, f);
    const path = `/api/projects/${project.id}`;
    await t.api('PATCH', path, { json: { project_custom_fields: { [key]: 2.5 } } });
    const before = await snapshot(project.id);
    const r = await t.api('PATCH', path, { form: `project_custom_fields[${key}]=2.50` });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(await snapshot(project.id)).toEqual(before);
    await t.api('PATCH', path, { json: { project_custom_fields: { [key]: 3 } } });
    expect((await snapshot(project.id)).etag).not.toBe(before.etag);
  });
});
