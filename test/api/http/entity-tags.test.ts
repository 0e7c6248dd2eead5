// ETag / If-None-Match / If-Match on projects: the tag is the row's version, a stale If-Match is a
// 412 that changes nothing, so two editors cannot overwrite each other.
import { describe, expect, it } from 'vitest';
import { createProjectsClient } from '../../../client/index.ts';
import { createProject, useTestServer } from '../../helpers/server.ts';
import { PRECONDITION_FAILED_MESSAGE } from '../../../server/core/messages.ts';

const { t, f } = useTestServer();

describe('ETag and conditional requests', () => {
  it('a project answer carries a strong ETag; If-None-Match with it is a 304 without a body', async () => {
    const created = await t.api('POST', '/api/projects', {
      json: { project_clientid: f.client.id, project_categoryid: f.category.id, project_title: 'Tagged', project_date_start: '2026-06-01' },
    });
    const etag = created.headers.get('etag');
    expect(etag).toMatch(/^"v\d+"$/);
    const got = await t.api('GET', `/api/projects/${created.body.data.id}`);
    expect(got.headers.get('etag')).toBe(etag);
    const cached = await t.api('GET', `/api/projects/${created.body.data.id}`, { headers: { 'If-None-Match': etag! } });
    expect(cached.status).toBe(304);
    expect(cached.body).toBe('');
    expect(cached.headers.get('etag')).toBe(etag);
    // Another tag, or a weak form of an old one after a change: the full answer.
    await t.api('PUT', `/api/projects/${created.body.data.id}/status`, { json: { status: 'in_progress' } });
    const changed = await t.api('GET', `/api/projects/${created.body.data.id}`, { headers: { 'If-None-Match': etag! } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
  });

  it('lists carry no ETag of their own, and Express computes none', async () => {
    const list = await t.api('GET', '/api/projects');
    expect(list.headers.get('etag')).toBeNull();
    expect((await t.api('GET', '/api/clients')).headers.get('etag')).toBeNull();
  });

  it('every change of what the project shows gives it a new ETag, which its answer carries', async () => {
    const p = await createProject(t, f);
    const changes: [string, string, unknown][] = [
      ['PATCH', '', { project_title: 'Renamed' }],
      ['PUT', '/status', { status: 'on_hold' }],
      ['PUT', '/progress', { progress: 30 }],
      ['PUT', '/archive', undefined],
      ['PUT', '/restore', undefined],
      ['PUT', '/tags', { tags: ['a', 'b'] }],
      ['PUT', '/assign', { assigned: [f.jane.id] }],
      ['PUT', '/manager', { manager: f.sam.id }],
      ['PATCH', '', { project_progress_manually: 'off' }],
    ];
    const seen = new Set([(await t.api('GET', `/api/projects/${p.id}`)).headers.get('etag')]);
    for (const [method, suffix, json] of changes) {
      const answer = await t.api(method, `/api/projects/${p.id}${suffix}`, json === undefined ? {} : { json });
      expect(answer.status, `${method} ${suffix}`).toBe(200);
      const etag = answer.headers.get('etag');
      expect(seen.has(etag), `${method} ${suffix} kept an old ETag`).toBe(false);
      seen.add(etag);
      expect((await t.api('GET', `/api/projects/${p.id}`)).headers.get('etag')).toBe(etag);
    }
    // A task changes the derived progress: a new tag. Stopping timers changes nothing the project shows.
    await t.api('POST', `/api/projects/${p.id}/tasks`, { json: { task_title: 'done', task_status: 'completed' } });
    const afterTask = (await t.api('GET', `/api/projects/${p.id}`)).headers.get('etag');
    expect(seen.has(afterTask)).toBe(false);
    const stopped = await t.api('PUT', `/api/projects/${p.id}/stop-timers`, { headers: { 'If-Match': afterTask! } });
    expect(stopped.status).toBe(200);
    expect(stopped.headers.get('etag')).toBe(afterTask);
  });

  it('lost update, two clients: the second editor with a stale If-Match gets a 412 and changes nothing', async () => {
    const p = await createProject(t, f);
    const alice = createProjectsClient({ baseUrl: t.baseUrl, apiKey: t.key });
    const bob = createProjectsClient({ baseUrl: t.baseUrl, apiKey: t.key });
    const path = { id: p.id };
    const aliceCopy = await alice.GET('/api/projects/{id}', { params: { path } });
    const bobCopy = await bob.GET('/api/projects/{id}', { params: { path } });
    const seenByBoth = aliceCopy.response.headers.get('ETag')!;
    expect(bobCopy.response.headers.get('ETag')).toBe(seenByBoth);

    const aliceSave = await alice.PATCH('/api/projects/{id}', { params: { path, header: { 'If-Match': seenByBoth } }, body: { project_title: "Alice's title" } });
    expect(aliceSave.response.status).toBe(200);
    const bobSave = await bob.PATCH('/api/projects/{id}', { params: { path, header: { 'If-Match': seenByBoth } }, body: { project_title: "Bob's title", project_description: 'Bob' } });
    expect(bobSave.response.status).toBe(412);
    expect(bobSave.error).toEqual({ message: PRECONDITION_FAILED_MESSAGE });
    expect(bobSave.response.headers.get('ETag')).toBe(aliceSave.response.headers.get('ETag'));

    const final = await bob.GET('/api/projects/{id}', { params: { path } });
    expect(final.data?.data.title).toBe("Alice's title");
    expect(final.data?.data.description).toBeNull();
    // Bob gets the project again and reapplies his change with the new tag.
    const retried = await bob.PATCH('/api/projects/{id}', { params: { path, header: { 'If-Match': final.response.headers.get('ETag')! } }, body: { project_description: 'Bob' } });
    expect(retried.response.status).toBe(200);
  });

  it('a stale If-Match on any action is a 412 and the project stays exactly as it was', async () => {
    const p = await createProject(t, f);
    const stale = (await t.api('GET', `/api/projects/${p.id}`)).headers.get('etag')!;
    await t.api('PUT', `/api/projects/${p.id}/status`, { json: { status: 'in_progress' } });
    await t.api('POST', `/api/projects/${p.id}/timers`, { json: { user_id: f.jane.id } });
    const before = await t.api('GET', `/api/projects/${p.id}`);
    const actions: [string, string, unknown][] = [
      ['PATCH', '', { project_title: 'Lost' }],
      ['PUT', '/status', { status: 'completed' }],
      ['PUT', '/progress', { progress: 90 }],
      ['PUT', '/archive', undefined],
      ['PUT', '/restore', undefined],
      ['PUT', '/tags', { tags: ['lost'] }],
      ['PUT', '/assign', { assigned: [f.sam.id] }],
      ['PUT', '/manager', { manager: f.jane.id }],
      ['PUT', '/stop-timers', undefined],
    ];
    for (const [method, suffix, json] of actions) {
      const answer = await t.api(method, `/api/projects/${p.id}${suffix}`, { headers: { 'If-Match': stale }, ...(json === undefined ? {} : { json }) });
      expect(answer.status, `${method} ${suffix}`).toBe(412);
      expect(answer.headers.get('etag')).toBe(before.headers.get('etag'));
    }
    const after = await t.api('GET', `/api/projects/${p.id}`);
    expect(after.body).toEqual(before.body);
    expect(after.headers.get('etag')).toBe(before.headers.get('etag'));
    const timers = (await t.api('GET', `/api/projects/${p.id}/timers`)).body.data;
    expect(timers.map((timer: { status: string }) => timer.status)).toEqual(['running']);
  });

  it('concurrent writers with the same If-Match: exactly one wins, the others get a 412', async () => {
    const p = await createProject(t, f);
    const etag = (await t.api('GET', `/api/projects/${p.id}`)).headers.get('etag')!;
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => i % 2 === 0
      ? t.api('PATCH', `/api/projects/${p.id}`, { json: { project_title: `writer ${i}` }, headers: { 'If-Match': etag } })
      : t.api('PUT', `/api/projects/${p.id}/progress`, { json: { progress: i }, headers: { 'If-Match': etag } })));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 412)).toHaveLength(9);
  });

  it('If-Match: * and a list; weak tags never match; a malformed header is a 422', async () => {
    const p = await createProject(t, f);
    const etag = (await t.api('GET', `/api/projects/${p.id}`)).headers.get('etag')!;
    expect((await t.api('PUT', `/api/projects/${p.id}/archive`, { headers: { 'If-Match': `W/${etag}` } })).status).toBe(412);
    const listed = await t.api('PUT', `/api/projects/${p.id}/archive`, { headers: { 'If-Match': `"v999999", ${etag}` } });
    expect(listed.status).toBe(200);
    expect((await t.api('PUT', `/api/projects/${p.id}/restore`, { headers: { 'If-Match': '*' } })).status).toBe(200);
    const malformed = await t.api('PUT', `/api/projects/${p.id}/archive`, { headers: { 'If-Match': 'v1' } });
    expect(malformed.status).toBe(422);
    expect(Object.keys(malformed.body.errors)).toEqual(['If-Match']);
    expect((await t.api('PUT', '/api/projects/999999/archive', { headers: { 'If-Match': etag } })).status).toBe(404);
  });
});
