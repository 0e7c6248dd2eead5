// The richer project model: numbers, the archived rule, last_activity_at; on the configured database.
import { describe, expect, it } from 'vitest';
import { createProject, type RequestOptions, startSibling, useTestServer } from '../../helpers/server.ts';
import { fieldRequired, INTERNAL_PROJECT_CLIENT_MESSAGE, INTERNAL_PROJECT_MESSAGE, PROJECT_ARCHIVED_MESSAGE } from '../../../server/core/messages.ts';

const { t, f } = useTestServer();

const ARCHIVED = PROJECT_ARCHIVED_MESSAGE;

describe('project numbers', () => {
  it('numbers new and cloned projects in the default format, never giving a number out twice', async () => {
    const first = await createProject(t, f);
    const second = await createProject(t, f);
    expect(first.number).toMatch(/^P-\d{5}$/);
    expect(Number(second.number.slice(2))).toBe(Number(first.number.slice(2)) + 1);
    expect((await t.api('DELETE', `/api/projects/${second.id}`)).status).toBe(200);
    const third = await createProject(t, f);
    expect(Number(third.number.slice(2))).toBe(Number(second.number.slice(2)) + 1);
    const clone = await t.api('POST', `/api/projects/${first.id}/clone`, { json: { project_title: 'Copy' } });
    expect(clone.status).toBe(201);
    expect(Number(clone.body.data.number.slice(2))).toBe(Number(third.number.slice(2)) + 1);
  });

  it('gives different numbers to concurrent creates on two instances', async () => {
    const sibling = await startSibling(t, {});
    try {
      const body = { project_clientid: f.client.id, project_categoryid: f.category.id, project_title: 'Race', project_date_start: '2026-06-01' };
      const answers = await Promise.all(Array.from({ length: 16 }, (_, i) => (i % 2 ? sibling : t).api('POST', '/api/projects', { json: body })));
      expect(answers.map((a) => a.status)).toEqual(Array(16).fill(201));
      expect(new Set(answers.map((a) => a.body.data.number)).size).toBe(16);
    } finally {
      await sibling.close();
    }
  });

  it('finds a project by its number in search (search_in=number), the filter grammar and the number sort', async () => {
    const project = await createProject(t, f, { project_title: 'Numbered' });
    const found = await t.api('GET', `/api/projects?search=${project.number}&search_in=number`);
    expect(found.body.data.map((p: { id: number }) => p.id)).toEqual([project.id]);
    // The Grow page's search is by title: the number is not looked at unless asked for.
    expect((await t.api('GET', `/api/projects?search=${project.number}`)).body.data).toEqual([]);
    const filtered = await t.api('GET', `/api/projects?filter[number][eq]=${project.number}`);
    expect(filtered.body.data.map((p: { id: number }) => p.id)).toEqual([project.id]);
    const sorted = await t.api('GET', '/api/projects?sort=project_number&order=asc&limit=100');
    const numbers = sorted.body.data.map((p: { number: string }) => p.number);
    expect(numbers).toEqual([...numbers].sort((a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)));
  });

  it('counts per client code with {client} in the format', async () => {
    // A second instance on the same database, numbering per client.
    const server = await startSibling(t, { env: { PROJECT_NUMBER_FORMAT: '{client}-{seq:4}' } });
    try {
      const create = async (clientId: number) => (await server.api('POST', '/api/projects', {
        json: { project_clientid: clientId, project_categoryid: f.category.id, project_title: 'P', project_date_start: '2026-06-01' },
      })).body.data.number;
      // The fixtures' clients: Acme Inc and Globex.
      expect([await create(f.client.id), await create(f.otherClient.id), await create(f.client.id)]).toEqual(['ACME-0001', 'GLOBEX-0001', 'ACME-0002']);
      const internal = await server.api('POST', '/api/projects', {
        json: { project_type: 'internal', project_categoryid: f.category.id, project_title: 'Ours', project_date_start: '2026-06-01' },
      });
      expect(internal.body.data.number).toBe('INT-0001');
    } finally {
      await server.close();
    }
  });

  it('skips a number that a project already holds', async () => {
    const pad = (n: number) => `P-${String(n).padStart(5, '0')}`;
    const latest = Number((await createProject(t, f)).number.slice(2));
    // A project holding the number the counter gives next (as after a change of format).
    const other = await createProject(t, f);
    await t.db.prisma.project.updateMany({ where: { id: other.id }, data: { number: pad(latest + 2) } });
    expect((await createProject(t, f)).number).toBe(pad(latest + 3));
  });
});

describe('archived projects', () => {
  it('accept a new title and manager only, and everything again once restored', async () => {
    const project = await createProject(t, f);
    const archived = await t.api('PUT', `/api/projects/${project.id}/archive`);
    expect(archived.body.data.archived_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    const path = `/api/projects/${project.id}`;

    expect((await t.api('PATCH', path, { json: { project_title: 'Renamed' } })).body.data.title).toBe('Renamed');
    expect((await t.api('PUT', `${path}/manager`, { json: { manager: f.jane.id } })).status).toBe(200);
    const refusedUpdate = await t.api('PATCH', path, { json: { project_title: 'Again', project_description: 'x', project_reference: 'R' } });
    expect(refusedUpdate.status).toBe(422);
    expect(refusedUpdate.body.errors).toEqual({ project_description: [ARCHIVED], project_reference: [ARCHIVED] });

    const refused: [string, string, unknown][] = [
      ['PUT', `${path}/assign`, { assigned: [f.jane.id] }],
      ['PUT', `${path}/status`, { status: 'completed' }],
      ['PUT', `${path}/progress`, { progress: 50 }],
      ['PUT', `${path}/tags`, { tags: ['x'] }],
      ['POST', `${path}/tasks`, { task_title: 'T' }],
      ['POST', `${path}/milestones`, { milestone_title: 'M' }],
      ['POST', `${path}/timers`, { user_id: f.jane.id }],
      ['POST', `${path}/files`, { file_name: 'a.pdf', file_url: 'https://files.acme.test/a.pdf' }],
      ['POST', `${path}/comments`, { comment_text: 'Hi' }],
      ['POST', `${path}/invoices`, { invoice_date: '2026-06-01', invoice_due_date: '2026-07-01', invoice_amount: 100 }],
      ['POST', `${path}/estimates`, { estimate_date: '2026-06-01', estimate_amount: 100 }],
    ];
    const before = await t.api('GET', path);
    for (const [method, url, json] of refused) {
      const r = await t.api(method, url, { json });
      expect([url, r.status, r.body.errors]).toEqual([url, 422, { id: [ARCHIVED] }]);
    }
    const after = await t.api('GET', path);
    expect(after.body.data).toEqual(before.body.data);
    expect(after.headers.get('etag')).toBe(before.headers.get('etag'));

    expect((await t.api('POST', `${path}/clone`, { json: { project_title: 'Live copy' } })).body.data.archived_at).toBeNull();
    const restored = await t.api('PUT', `${path}/restore`);
    expect(restored.body.data).toMatchObject({ active_state: 'active', archived_at: null, title: 'Renamed', managers: [{ id: f.jane.id }] });
    expect((await t.api('PUT', `${path}/status`, { json: { status: 'completed' } })).status).toBe(200);
  });

  it('refuses deleting a comment while archived; a stale If-Match is still a 412 first', async () => {
    const project = await createProject(t, f);
    const comment = (await t.api('POST', `/api/projects/${project.id}/comments`, { json: { comment_text: 'Keep' } })).body.data;
    await t.api('PUT', `/api/projects/${project.id}/archive`);
    const r = await t.api('DELETE', `/api/projects/${project.id}/comments/${comment.id}`);
    expect([r.status, r.body.errors]).toEqual([422, { id: [ARCHIVED] }]);
    const stale = await t.api('PUT', `/api/projects/${project.id}/status`, { json: { status: 'completed' }, headers: { 'if-match': '"v1"' } });
    expect(stale.status).toBe(412);
    expect((await t.api('DELETE', `/api/projects/${project.id}`)).status).toBe(200);
  });
});

describe('last_activity_at', () => {
  it('moves, with the ETag, on changes of the project and of its children; dates.updated only with the project', async () => {
    const project = await createProject(t, f);
    const path = `/api/projects/${project.id}`;
    expect(project.last_activity_at).toBe(project.dates.updated);
    let previous = await t.api('GET', path);
    const steps: [string, string, unknown][] = [
      ['POST', `${path}/tasks`, { task_title: 'T' }],
      ['POST', `${path}/milestones`, { milestone_title: 'M' }],
      ['POST', `${path}/comments`, { comment_text: 'C' }],
      ['POST', `${path}/timers`, { user_id: f.jane.id }],
      ['PUT', `${path}/stop-timers`, undefined],
    ];
    for (const [method, url, json] of steps) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      const r = await t.api(method, url, json === undefined ? {} : { json });
      expect(r.status, url).toBeLessThan(300);
      const now = await t.api('GET', path);
      expect(now.body.data.last_activity_at > previous.body.data.last_activity_at, url).toBe(true);
      expect(now.headers.get('etag'), url).not.toBe(previous.headers.get('etag'));
      previous = now;
    }
    // Stopping timers when none runs changes nothing.
    await t.api('PUT', `${path}/stop-timers`);
    expect((await t.api('GET', path)).headers.get('etag')).toBe(previous.headers.get('etag'));
    const renamed = await t.api('PATCH', path, { json: { project_title: 'New' } });
    expect(renamed.body.data.last_activity_at).toBe(renamed.body.data.dates.updated);
  });

  it('filters and sorts by last activity', async () => {
    const quiet = await createProject(t, f, { project_title: 'Quiet' });
    const busy = await createProject(t, f, { project_title: 'Busy' });
    await new Promise((resolve) => setTimeout(resolve, 5));
    await t.api('POST', `/api/projects/${quiet.id}/comments`, { json: { comment_text: 'Activity' } });
    const since = (await t.api('GET', `/api/projects/${quiet.id}`)).body.data.last_activity_at;
    const recent = await t.api('GET', `/api/projects?filter[last_activity_at][gte]=${since}&sort=project_last_activity_at&order=desc`);
    expect(recent.body.data[0].id).toBe(quiet.id);
    expect(recent.body.data.map((p: { id: number }) => p.id)).not.toContain(busy.id);
  });
});

describe('last_actor', () => {
  it('names the team user whose key last acted, moving with last_activity_at on changes of the project and of its children', async () => {
    const me = (await t.api('GET', '/api/me')).body.data.user;
    const admin = { id: me.id, name: me.name };
    const jane = { id: f.jane.id, name: 'Jane Doe' };
    const janeKey = (await t.api('POST', '/api/api-keys', { json: { name: 'jane', role: 'member', user_id: f.jane.id } })).body.data.key as string;
    const asJane = { headers: { authorization: `Bearer ${janeKey}` } };
    const project = await createProject(t, f);
    const path = `/api/projects/${project.id}`;
    // Grow's project has no last_actor: it comes when asked for.
    expect(project).not.toHaveProperty('last_actor');
    expect((await t.api('GET', path)).body.data).not.toHaveProperty('last_actor');
    expect((await t.api('GET', `${path}?include=last_actor`)).body.data.last_actor).toEqual(admin);
    const steps: [string, string, unknown, RequestOptions, typeof admin][] = [
      ['POST', `${path}/comments`, { comment_text: 'C' }, asJane, jane],
      ['PATCH', path, { project_title: 'Renamed' }, {}, admin],
      ['PUT', `${path}/status`, { status: 'in_progress' }, asJane, jane],
      ['PUT', `${path}/assign`, { assigned: [f.sam.id] }, {}, admin],
      ['POST', `${path}/tasks`, { task_title: 'T' }, asJane, jane],
      ['PUT', `${path}/archive`, undefined, {}, admin],
    ];
    let previous = project.last_activity_at;
    for (const [method, url, json, options, actor] of steps) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      const r = await t.api(method, url, { ...options, ...(json === undefined ? {} : { json }) });
      expect(r.status, url).toBeLessThan(300);
      const now = (await t.api('GET', `${path}?include=last_actor,template_object`)).body.data;
      expect(now.last_actor, url).toEqual(actor);
      expect(now.last_activity_at > previous, url).toBe(true);
      previous = now.last_activity_at;
    }
    const listed = await t.api('GET', `/api/projects?fields=last_actor&filter[id][eq]=${project.id}`);
    expect(listed.body.data).toEqual([{ id: project.id, last_actor: admin }]);
    const included = await t.api('GET', `/api/projects?include=last_actor&filter[id][eq]=${project.id}`);
    expect(included.body.data[0]).toMatchObject({ id: project.id, title: 'Renamed', last_actor: admin });
    expect(included.body.data[0]).not.toHaveProperty('template_object');
  });
});

describe('person_id', () => {
  it('lists the projects a team user is assigned to or manages; negated, those of neither', async () => {
    const assigned = await createProject(t, f, { project_title: 'Assigned' });
    const managed = await createProject(t, f, { project_title: 'Managed' });
    const neither = await createProject(t, f, { project_title: 'Neither' });
    const kim = (await t.api('POST', '/api/users', { json: { first_name: 'Kim', last_name: 'Park', email: 'kim.person@acme.test' } })).body.data;
    await t.api('PUT', `/api/projects/${assigned.id}/assign`, { json: { assigned: [kim.id, f.sam.id] } });
    await t.api('PUT', `/api/projects/${managed.id}/manager`, { json: { manager: kim.id } });
    await t.api('PUT', `/api/projects/${neither.id}/assign`, { json: { assigned: [f.jane.id] } });
    const ids = async (query: string) => (await t.api('GET', `/api/projects?${query}&order=asc&limit=100`)).body.data.map((p: { id: number }) => p.id);
    expect(await ids(`person_id=${kim.id}`)).toEqual([assigned.id, managed.id]);
    expect(await ids(`filter[person_id][in][]=${kim.id}`)).toEqual([assigned.id, managed.id]);
    const others = await ids(`filter[person_id][not_eq]=${kim.id}`);
    expect(others).toContain(neither.id);
    expect(others).not.toContain(assigned.id);
    expect(others).not.toContain(managed.id);
    // Without it, nothing changes.
    expect(await ids('')).toEqual(expect.arrayContaining([assigned.id, managed.id, neither.id]));
  });
});

describe('totals', () => {
  it('roll up stopped timers, accepted estimates and invoices by status, on the project and its list page', async () => {
    const project = await createProject(t, f, { project_title: 'Rolled up', project_billing_estimated_hours: 10 });
    expect(project.totals).toEqual({
      time: { estimated_hours: 10, worked_hours: 0, remaining_hours: 10 },
      money: { estimated: '0.00', invoiced: '0.00', paid: '0.00', outstanding: '0.00' },
    });
    const path = `/api/projects/${project.id}`;
    const timer = (await t.api('POST', `${path}/timers`, { json: { user_id: f.jane.id } })).body.data;
    // 45 minutes of work, already stopped; the running timer above counts only once stopped.
    await t.db.prisma.timer.create({ data: { projectId: project.id, userId: f.jane.id, startedAt: new Date(Date.now() - 2_700_000), stoppedAt: new Date(), durationSeconds: 2700 } });
    for (const [status, amount] of [['draft', 50], ['due', 100], ['overdue', 25.5], ['paid', 300]] as const) {
      await t.api('POST', `${path}/invoices`, { json: { invoice_date: '2026-06-01', invoice_due_date: '2026-07-01', invoice_amount: amount, invoice_status: status } });
    }
    for (const [status, amount] of [['accepted', 1000], ['declined', 999], ['accepted', 0.5]] as const) {
      await t.api('POST', `${path}/estimates`, { json: { estimate_date: '2026-06-01', estimate_amount: amount, estimate_status: status } });
    }
    const expected = {
      time: { estimated_hours: 10, worked_hours: 0.75, remaining_hours: 9.25 },
      money: { estimated: '1000.50', invoiced: '425.50', paid: '300.00', outstanding: '125.50' },
    };
    expect((await t.api('GET', path)).body.data.totals).toEqual(expected);
    const listed = await t.api('GET', `/api/projects?search=Rolled%20up&fields=totals`);
    expect(listed.body.data).toEqual([{ id: project.id, totals: expected }]);
    expect(timer.status).toBe('running');
  });
});

describe('project types', () => {
  const internalBody = { project_type: 'internal', project_title: 'Intranet', project_date_start: '2026-06-01' };

  it('an internal project has no client, no invoices or estimates, and its copy is internal', async () => {
    const created = await t.api('POST', '/api/projects', { json: { ...internalBody, project_categoryid: f.category.id } });
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({ project_type: 'internal', client: null, totals: { money: { invoiced: '0.00' } } });
    const path = `/api/projects/${created.body.data.id}`;
    const message = INTERNAL_PROJECT_MESSAGE;
    const invoice = await t.api('POST', `${path}/invoices`, { json: { invoice_date: '2026-06-01', invoice_due_date: '2026-07-01', invoice_amount: 100 } });
    expect([invoice.status, invoice.body.errors]).toEqual([422, { id: [message] }]);
    const estimate = await t.api('POST', `${path}/estimates`, { json: { estimate_date: '2026-06-01', estimate_amount: 100 } });
    expect([estimate.status, estimate.body.errors]).toEqual([422, { id: [message] }]);
    const copy = await t.api('POST', `${path}/clone`, { json: { project_title: 'Intranet 2' } });
    expect(copy.body.data).toMatchObject({ project_type: 'internal', client: null });
    const withClient = await t.api('POST', `${path}/clone`, { json: { project_title: 'x', project_clientid: f.client.id } });
    expect(withClient.status).toBe(422);
    expect(Object.keys(withClient.body.errors)).toEqual(['project_clientid']);
  });

  it('a client project needs its client, an internal one refuses one', async () => {
    const missing = await t.api('POST', '/api/projects', { json: { ...internalBody, project_categoryid: f.category.id, project_type: 'client' } });
    expect([missing.status, missing.body.errors]).toEqual([422, { project_clientid: [fieldRequired('project_clientid')] }]);
    const form = await t.api('POST', '/api/projects', { form: { project_categoryid: f.category.id, project_title: 'No client', project_date_start: '2026-06-01' } });
    expect(form.body.errors).toEqual({ project_clientid: [fieldRequired('project_clientid')] });
    const extra = await t.api('POST', '/api/projects', { json: { ...internalBody, project_categoryid: f.category.id, project_clientid: f.client.id } });
    expect([extra.status, extra.body.errors]).toEqual([422, { project_clientid: [INTERNAL_PROJECT_CLIENT_MESSAGE] }]);
  });

  it('filters by type, and the client-name sort puts internal projects last ascending, walking them by cursor', async () => {
    const internals = await t.api('GET', '/api/projects?project_type=internal&limit=100');
    expect(internals.body.data.length).toBeGreaterThan(0);
    expect(internals.body.data.every((p: { project_type: string }) => p.project_type === 'internal')).toBe(true);
    const grammar = await t.api('GET', '/api/projects?filter[project_type][not_eq]=internal&limit=100');
    expect(grammar.body.data.every((p: { project_type: string }) => p.project_type === 'client')).toBe(true);
    const noAcme = await t.api('GET', '/api/projects?filter[client_company_name][not_contains]=acme&limit=100');
    expect(noAcme.body.data.some((p: { client: unknown }) => p.client === null)).toBe(true);

    const all = await t.api('GET', '/api/projects?sort=client_company_name&order=asc&limit=100');
    const walked: number[] = [];
    let after: string | null = null;
    do {
      const page: { body: { data: { id: number }[]; meta: { next_cursor: string | null } } } = await t.api('GET',
        `/api/projects?sort=client_company_name&order=asc&limit=3${after ? `&after=${after}` : ''}`);
      walked.push(...page.body.data.map((p) => p.id));
      after = page.body.meta.next_cursor;
    } while (after);
    expect(walked).toEqual(all.body.data.map((p: { id: number }) => p.id));
    const clients = all.body.data.map((p: { client: unknown }) => p.client);
    expect(clients.at(-1)).toBeNull();
    expect(clients.findIndex((c: unknown) => c === null)).toBe(clients.length - internals.body.data.length);
  });
});
