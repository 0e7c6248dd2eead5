// Behaviour of every project operation, success and error paths, on the configured database.
import { beforeAll, describe, expect, it } from 'vitest';
import { createProject, useTestServer } from '../../helpers/server.ts';
import { cursorForOtherSort, fieldAtLeast, fieldAtMost, fieldFormat, fieldMaxLength, fieldNotAllowed, fieldNotBefore, fieldNotEmpty, fieldRequired, fieldType, INVALID_CURSOR_MESSAGE, invalidSelection, PAGE_WITH_AFTER_MESSAGE, parameterNotSupported, resourceNotFound, VALIDATION_MESSAGE } from '../../../server/core/messages.ts';

const { t, f } = useTestServer();

describe('createProject', () => {
  it('creates from the documented form body and answers with the full project', async () => {
    const r = await t.api('POST', '/api/projects', {
      form: { project_clientid: f.client.id, project_title: 'Website Redesign', project_categoryid: f.category.id, project_date_start: '2026-06-01' },
    });
    expect(r.status).toBe(201);
    expect(r.body.message).toBe('Project created successfully.');
    expect(r.body.data).toMatchObject({
      title: 'Website Redesign', description: null, reference: null, status: 'not_started', active_state: 'active',
      progress: 0, progress_manually: 'no', client: { id: f.client.id, name: 'Acme Inc' },
      category: { id: f.category.id, name: 'Development' }, dates: { start: '2026-06-01', due: null },
      billing: { type: 'hourly', rate: '0.00', estimated_hours: 0, costs_estimate: '0.00' },
      assigned: [], managers: [], tags: [],
    });
    expect(r.body.data.dates.created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    const admin = await t.db.prisma.user.findFirstOrThrow({ where: { role: 'admin' } });
    const row = await t.db.prisma.project.findFirstOrThrow({ where: { id: r.body.data.id } });
    expect(row.creatorId).toBe(admin.id);
  });

  it('takes every body field as JSON', async () => {
    const r = await t.api('POST', '/api/projects', {
      json: {
        project_clientid: f.client.id, project_creatorid: f.jane.id, project_title: 'Full', project_date_start: '2026-06-01',
        project_date_due: '2026-06-01', project_categoryid: f.category.id, project_description: 'All fields', project_reference: 'PO-7',
        project_billing_type: 'fixed', project_billing_rate: 120.5, project_billing_estimated_hours: 80.25,
        project_billing_costs_estimate: 999.999, project_progress_manually: 'on', clientperm_tasks_view: 'on',
        clientperm_tasks_collaborate: 'on', clientperm_tasks_create: 'off', clientperm_timesheets_view: 'on',
        clientperm_expenses_view: 'on', assignedperm_tasks_collaborate: 'on',
      },
    });
    expect(r.status).toBe(201);
    expect(r.body.data).toMatchObject({
      description: 'All fields', reference: 'PO-7', progress_manually: 'yes', dates: { start: '2026-06-01', due: '2026-06-01' },
      billing: { type: 'fixed', rate: '120.50', estimated_hours: 80.25, costs_estimate: '1000.00' },
      permissions: {
        clientperm_tasks_view: 'yes', clientperm_tasks_collaborate: 'yes', clientperm_tasks_create: 'no',
        clientperm_timesheets_view: 'yes', clientperm_expenses_view: 'yes', assignedperm_tasks_collaborate: 'yes',
      },
    });
    const row = await t.db.prisma.project.findFirstOrThrow({ where: { id: r.body.data.id } });
    expect(row.creatorId).toBe(f.jane.id);
  });

  it('answers 422 with the page\'s messages, keyed by field', async () => {
    const r = await t.api('POST', '/api/projects', { form: { project_clientid: 999999, project_categoryid: f.category.id, project_date_start: '2026-06-01' } });
    expect(r.status).toBe(422);
    // The page's own example: the missing title and the unknown client, in one answer.
    expect(r.body).toEqual({
      message: VALIDATION_MESSAGE,
      errors: { project_title: [fieldRequired('project_title')], project_clientid: [invalidSelection('project_clientid')] },
    });
    const bad = await t.api('POST', '/api/projects', {
      json: { project_clientid: 999999, project_categoryid: 999999, project_creatorid: 999999, project_title: 'x', project_date_start: '2026-06-01' },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.errors).toEqual({
      project_clientid: [invalidSelection('project_clientid')],
      project_categoryid: [invalidSelection('project_categoryid')],
      project_creatorid: [invalidSelection('project_creatorid')],
    });
  });

  it.each([
    [{ project_date_start: '01/06/2026' }, 'project_date_start', fieldFormat('project_date_start', 'date')],
    [{ project_date_start: '2026-02-30' }, 'project_date_start', fieldFormat('project_date_start', 'date')],
    [{ project_date_due: '2026-05-31' }, 'project_date_due', fieldNotBefore('project_date_due', 'project_date_start')],
    [{ project_billing_type: 'daily' }, 'project_billing_type', invalidSelection('project_billing_type', ['hourly', 'fixed'])],
    [{ clientperm_tasks_view: 'yes' }, 'clientperm_tasks_view', invalidSelection('clientperm_tasks_view', ['on', 'off'])],
    [{ project_clientid: 'twelve' }, 'project_clientid', fieldType('project_clientid', ['integer'])],
    [{ project_billing_rate: -1 }, 'project_billing_rate', fieldAtLeast('project_billing_rate', 0)],
    [{ project_title: 'x'.repeat(251) }, 'project_title', fieldMaxLength('project_title', 250)],
    [{ project_title: '' }, 'project_title', fieldRequired('project_title')],
    [{ project_mystery: 1 }, 'project_mystery', fieldNotAllowed('project_mystery')],
  ])('refuses %j', async (override, field, message) => {
    const json = { project_clientid: f.client.id, project_categoryid: f.category.id, project_title: 'x', project_date_start: '2026-06-01', ...override };
    const r = await t.api('POST', '/api/projects', { json });
    expect(r.status).toBe(422);
    expect(r.body.errors[field]).toEqual([message]);
  });
});

describe('getProject', () => {
  it('returns the project, 404 for an unknown id, 422 for a malformed one', async () => {
    const p = await createProject(t, f);
    const r = await t.api('GET', `/api/projects/${p.id}`);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ data: p, message: 'Project retrieved successfully.' });
    expect((await t.api('GET', '/api/projects/2147483647')).body).toEqual({ message: resourceNotFound('Project') });
    expect((await t.api('GET', '/api/projects/abc')).status).toBe(422);
    expect((await t.api('GET', '/api/projects/0')).status).toBe(422);
    expect((await t.api('GET', '/api/projects/99999999999')).status).toBe(422);
  });
});

describe('listProjects', () => {
  let ids: number[];
  beforeAll(async () => {
    const make = (title: string, extra: Record<string, unknown>) => createProject(t, f, { project_title: title, ...extra });
    const a = await make('Alpha search-me', { project_date_start: '2026-01-01' });
    const b = await make('Bravo', { project_date_start: '2026-03-01', project_clientid: f.otherClient.id });
    const c = await make('Charlie SEARCH-ME', { project_date_start: '2026-02-01', project_categoryid: f.otherCategory.id });
    await t.api('PUT', `/api/projects/${b.id}/status`, { json: { status: 'on_hold' } });
    await t.api('PUT', `/api/projects/${c.id}/progress`, { json: { progress: 90 } });
    ids = [a.id, b.id, c.id];
  });

  it('filters by status, client, category, and searches the title case-insensitively', async () => {
    const byStatus = await t.api('GET', '/api/projects?status=on_hold');
    expect(byStatus.body.data.map((p: { id: number }) => p.id)).toEqual([ids[1]]);
    const byClient = await t.api('GET', `/api/projects?client_id=${f.otherClient.id}`);
    expect(byClient.body.data.map((p: { id: number }) => p.id)).toEqual([ids[1]]);
    const byCategory = await t.api('GET', `/api/projects?category_id=${f.otherCategory.id}`);
    expect(byCategory.body.data.map((p: { id: number }) => p.id)).toEqual([ids[2]]);
    const search = await t.api('GET', '/api/projects?search=search-me&sort=project_title&order=asc');
    expect(search.body.data.map((p: { id: number }) => p.id)).toEqual([ids[0], ids[2]]);
    expect(search.body.message).toBe('Projects retrieved successfully.');
  });

  it('searches %, _ and \\ literally, not as LIKE wildcards', async () => {
    const make = (title: string) => createProject(t, f, { project_title: title });
    const [percent, underscore, backslash] = [await make('Wild 100% done'), await make('Wild snake_case'), await make('Wild back\\slash')];
    const found = async (search: string) => (await t.api('GET', `/api/projects?search=${encodeURIComponent(search)}&limit=100`)).body.data.map((p: { id: number }) => p.id);
    expect(await found('%')).toEqual([percent.id]);
    expect(await found('_')).toEqual([underscore.id]);
    expect(await found('\\')).toEqual([backslash.id]);
    expect(await found('Wild')).toHaveLength(3);
  });

  it('sorts by each whitelisted column, desc by default', async () => {
    const titles = async (qs: string) => (await t.api('GET', `/api/projects?search=&${qs}`)).body.data
      .filter((p: { id: number }) => ids.includes(p.id)).map((p: { title: string }) => p.title);
    expect(await titles('sort=project_title')).toEqual(['Charlie SEARCH-ME', 'Bravo', 'Alpha search-me']);
    expect(await titles('sort=project_date_start&order=asc')).toEqual(['Alpha search-me', 'Charlie SEARCH-ME', 'Bravo']);
    expect((await titles('sort=project_progress'))[0]).toBe('Charlie SEARCH-ME');
    expect((await titles('sort=project_created'))).toEqual(['Charlie SEARCH-ME', 'Bravo', 'Alpha search-me']);
    expect((await titles('sort=project_status&order=asc'))).toHaveLength(3);
    expect((await titles('sort=project_date_due'))).toHaveLength(3);
    expect(await titles('sort=project_updated')).toEqual(['Charlie SEARCH-ME', 'Bravo', 'Alpha search-me']);
    await t.api('PUT', `/api/projects/${ids[0]}/tags`, { json: { tags: ['touched'] } });
    expect(await titles('sort=project_updated')).toEqual(['Alpha search-me', 'Charlie SEARCH-ME', 'Bravo']);
    // Acme Inc before Globex; within a client, by id in the same direction.
    expect(await titles('sort=client_company_name&order=asc')).toEqual(['Alpha search-me', 'Charlie SEARCH-ME', 'Bravo']);
    expect(await titles('sort=client_company_name')).toEqual(['Bravo', 'Charlie SEARCH-ME', 'Alpha search-me']);
  });

  it('pages with meta', async () => {
    const all = await t.api('GET', '/api/projects?limit=100');
    const total = all.body.meta.total;
    const page2 = await t.api('GET', '/api/projects?limit=2&page=2');
    expect(page2.body.meta).toEqual({ current_page: 2, per_page: 2, total, last_page: Math.ceil(total / 2), next_cursor: expect.any(String) });
    const next = await t.api('GET', `/api/projects?limit=2&after=${page2.body.meta.next_cursor}`);
    expect(next.body.data.map((p: { id: number }) => p.id)).toEqual(all.body.data.slice(4, 6).map((p: { id: number }) => p.id));
    expect(page2.body.data.map((p: { id: number }) => p.id)).toEqual(all.body.data.slice(2, 4).map((p: { id: number }) => p.id));
    const beyond = await t.api('GET', '/api/projects?page=1000');
    expect(beyond.body.data).toEqual([]);
  });

  it('returns only id and the fields named by fields=', async () => {
    const full = await t.api('GET', '/api/projects?sort=project_title&order=asc&limit=5');
    const sparse = await t.api('GET', '/api/projects?sort=project_title&order=asc&limit=5&fields=title,status,dates');
    expect(sparse.body.data).toEqual(full.body.data.map(({ id, title, status, dates }: Record<string, unknown>) => ({ id, title, status, dates })));
    expect(sparse.body.meta).toEqual(full.body.meta);
    const cursor = await t.api('GET', `/api/projects?sort=project_title&order=asc&limit=5&fields=client,tags&after=${full.body.meta.next_cursor}`);
    expect(Object.keys(cursor.body.data[0]).sort()).toEqual(['client', 'id', 'tags']);
    const repeated = await t.api('GET', '/api/projects?fields=title&fields=id');
    expect(Object.keys(repeated.body.data[0]).sort()).toEqual(['id', 'title']);
    const unknown = await t.api('GET', '/api/projects?fields=title,budget');
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors).toEqual({ fields: [invalidSelection('fields', ['id', 'title', 'number', 'project_type', 'description', 'reference', 'status', 'active_state', 'archived_at', 'progress', 'progress_manually', 'client', 'category', 'dates', 'last_activity_at', 'last_actor', 'billing', 'totals', 'custom_fields', 'permissions', 'assigned', 'managers', 'tags', 'is_template', 'template_object'])] });
  });

  it.each([
    ['limit=101', 'limit', fieldAtMost('limit', 100)],
    ['limit=0', 'limit', fieldAtLeast('limit', 1)],
    ['sort=project_budget', 'sort', invalidSelection('sort', ['project_title', 'project_status', 'project_date_start', 'project_date_due', 'project_created', 'project_progress', 'project_updated', 'project_last_activity_at', 'project_number', 'client_company_name'])],
    ['order=up', 'order', invalidSelection('order', ['asc', 'desc'])],
    ['status=open', 'status', invalidSelection('status', ['not_started', 'in_progress', 'on_hold', 'cancelled', 'completed'])],
    ['status=in_progress,done', 'status', invalidSelection('status', ['not_started', 'in_progress', 'on_hold', 'cancelled', 'completed'])],
    ['client_id=x', 'client_id', fieldType('client_id', ['integer'])],
    ['unknown=1', 'unknown', parameterNotSupported('unknown', ['status', 'active_state', 'project_type', 'template', 'client_id', 'category_id', 'manager_id', 'assigned_id', 'person_id', 'tag', 'date_start_from', 'date_start_to', 'date_due_from', 'date_due_to', 'overdue', 'updated_since', 'created_from', 'created_to', 'filter', 'custom_fields', 'custom_field_filter', 'sort_custom_field', 'search', 'search_in', 'sort', 'order', 'limit', 'page', 'fields', 'include', 'after'])],
    ['limit=', 'limit', fieldNotEmpty('limit')],
  ])('refuses ?%s', async (qs, field, message) => {
    const r = await t.api('GET', `/api/projects?${qs}`);
    expect(r.status).toBe(422);
    expect(r.body.errors[field]).toEqual([message]);
  });
});

describe('listProjects filters', () => {
  const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
  const idsOf = (r: { body: { data: { id: number }[] } }) => r.body.data.map((p) => p.id).sort((a, b) => a - b);
  let p: Record<'managed' | 'assigned' | 'overdue' | 'dueToday' | 'doneLate' | 'tagged' | 'described' | 'otherClient', { id: number; dates: { created: string; updated: string } }>;
  let mark: string;
  beforeAll(async () => {
    mark = `F${Date.now()}`;
    const make = (extra: Record<string, unknown>) => createProject(t, f, { project_title: `${mark} filtered`, project_date_start: '2020-01-01', ...extra });
    p = {
      managed: await make({ project_date_start: '2021-05-10' }),
      assigned: await make({ project_date_start: '2021-05-20' }),
      overdue: await make({ project_date_due: day(-1) }),
      dueToday: await make({ project_date_due: day(0) }),
      doneLate: await make({ project_date_due: day(-3) }),
      tagged: await make({ project_date_due: day(30) }),
      described: await make({ project_description: `Needle ${mark} in the description`, project_reference: `REF-${mark}` }),
      otherClient: await make({ project_clientid: f.otherClient.id }),
    };
    await t.api('PUT', `/api/projects/${p.managed.id}/manager`, { json: { manager: f.jane.id } });
    await t.api('PUT', `/api/projects/${p.assigned.id}/assign`, { json: { assigned: [f.sam.id, f.jane.id] } });
    await t.api('PUT', `/api/projects/${p.doneLate.id}/status`, { json: { status: 'completed' } });
    await t.api('PUT', `/api/projects/${p.overdue.id}/status`, { json: { status: 'on_hold' } });
    await t.api('PUT', `/api/projects/${p.tagged.id}/tags`, { json: { tags: ['priority', `tag-${mark}`] } });
  });
  const list = (qs: string) => t.api('GET', `/api/projects?search=${mark}&limit=100&${qs}`);

  it('by manager and by assignee', async () => {
    expect(idsOf(await list(`manager_id=${f.jane.id}`))).toEqual([p.managed.id]);
    expect(idsOf(await list(`assigned_id=${f.sam.id}`))).toEqual([p.assigned.id]);
    expect(idsOf(await list(`assigned_id=${f.jane.id}`))).toEqual([p.assigned.id]);
  });

  it('by several statuses, comma-separated or repeated', async () => {
    const expected = [p.overdue.id, p.doneLate.id].sort((a, b) => a - b);
    expect(idsOf(await list('status=on_hold,completed'))).toEqual(expected);
    expect(idsOf(await list('status=on_hold&status=completed'))).toEqual(expected);
    expect(idsOf(await list('status=completed'))).toEqual([p.doneLate.id]);
    const bad = await list('status=on_hold,finished');
    expect(bad.status).toBe(422);
    // Named as sent: the client sent one parameter, `status`, not its items.
    expect(bad.body.errors).toEqual({ status: [invalidSelection('status', ['not_started', 'in_progress', 'on_hold', 'cancelled', 'completed'])] });
  });

  it('by start and due date ranges, both ends included', async () => {
    expect(idsOf(await list('date_start_from=2021-05-10&date_start_to=2021-05-20'))).toEqual([p.managed.id, p.assigned.id]);
    expect(idsOf(await list('date_start_from=2021-05-11'))).toEqual([p.assigned.id]);
    expect(idsOf(await list(`date_due_from=${day(-3)}&date_due_to=${day(0)}`))).toEqual([p.overdue.id, p.dueToday.id, p.doneLate.id]);
    expect(idsOf(await list(`date_due_to=${day(-2)}`))).toEqual([p.doneLate.id]);
    expect((await list('date_due_from=2026-02-30')).body.errors.date_due_from).toEqual([fieldFormat('date_due_from', 'date')]);
  });

  it('overdue: a due date before today and a status that is neither completed nor cancelled', async () => {
    expect(idsOf(await list('overdue=true'))).toEqual([p.overdue.id]);
    const notOverdue = idsOf(await list('overdue=false'));
    expect(notOverdue).toHaveLength(7);
    expect(notOverdue).not.toContain(p.overdue.id);
    await t.api('PUT', `/api/projects/${p.overdue.id}/status`, { json: { status: 'cancelled' } });
    expect(idsOf(await list('overdue=true'))).toEqual([]);
    await t.api('PUT', `/api/projects/${p.overdue.id}/status`, { json: { status: 'on_hold' } });
    expect((await list('overdue=maybe')).body.errors.overdue).toEqual([fieldType('overdue', ['boolean'])]);
  });

  it('by tag, exactly', async () => {
    expect(idsOf(await list(`tag=tag-${mark}`))).toEqual([p.tagged.id]);
    expect(idsOf(await list(`tag=TAG-${mark}`))).toEqual([]);
  });

  it('updated_since and the created range include their instant', async () => {
    const since = (await t.api('PUT', `/api/projects/${p.otherClient.id}/status`, { json: { status: 'in_progress' } })).body.data.dates.updated;
    await t.api('PUT', `/api/projects/${p.managed.id}/status`, { json: { status: 'in_progress' } });
    expect(idsOf(await list(`updated_since=${since}`))).toEqual([p.managed.id, p.otherClient.id]);
    const created = await list(`created_from=${p.overdue.dates.created}&created_to=${p.doneLate.dates.created}`);
    expect(idsOf(created)).toEqual([p.overdue.id, p.dueToday.id, p.doneLate.id]);
    expect((await list('updated_since=yesterday')).body.errors.updated_since).toEqual([fieldFormat('updated_since', 'date-time')]);
  });

  it('search is by title only, as on the Grow page: description, reference and client name do not match', async () => {
    const needle = `needle%20${mark.toLowerCase()}`;
    expect(idsOf(await t.api('GET', `/api/projects?search=${needle}`))).toEqual([]);
    expect(idsOf(await t.api('GET', `/api/projects?search=ref-${mark}`))).toEqual([]);
    expect(idsOf(await t.api('GET', `/api/projects?search=${needle}&search_in=title`))).toEqual([]);
    // Every project of this block has the mark in its title, whichever client it belongs to.
    expect(idsOf(await t.api('GET', `/api/projects?search=${mark}&limit=100`))).toHaveLength(Object.keys(p).length);
    const byClient = await t.api('GET', '/api/projects?search=globe&limit=100');
    expect(byClient.body.data.every((row: { title: string }) => /globe/i.test(row.title))).toBe(true);
    // The Grow page's parameter: most projects here belong to Acme Inc, and only titles count.
    const acme = await t.api('GET', '/api/projects?search=Acme&limit=100');
    expect(acme.status).toBe(200);
    expect(acme.body.data.every((row: { title: string }) => /acme/i.test(row.title))).toBe(true);
    expect(idsOf(byClient)).not.toContain(p.otherClient.id);
  });

  it('search_in opts in to the description, reference, number and client name', async () => {
    const every = 'search_in=title,description,reference,number,client_company_name';
    expect(idsOf(await t.api('GET', `/api/projects?search=needle%20${mark.toLowerCase()}&search_in=description`))).toEqual([p.described.id]);
    expect(idsOf(await t.api('GET', `/api/projects?search=ref-${mark}&search_in=reference`))).toEqual([p.described.id]);
    expect(idsOf(await t.api('GET', `/api/projects?search=ref-${mark}&${every}`))).toEqual([p.described.id]);
    expect(idsOf(await t.api('GET', `/api/projects?search=ref-${mark}&search_in=title,description`))).toEqual([]);
    const byClient = await t.api('GET', '/api/projects?search=globe&search_in=client_company_name&limit=100');
    expect(byClient.body.data.length).toBeGreaterThan(0);
    expect(byClient.body.data.every((row: { client: { id: number } }) => row.client.id === f.otherClient.id)).toBe(true);
    expect(idsOf(byClient)).toContain(p.otherClient.id);
    const bad = await t.api('GET', '/api/projects?search=x&search_in=title,budget');
    expect(bad.status).toBe(422);
    expect(bad.body.errors).toEqual({ search_in: [invalidSelection('search_in', ['title', 'description', 'reference', 'number', 'client_company_name'])] });
  });
});

describe('listProjects cursor pagination', () => {
  let mark: string;
  let created: number[];
  beforeAll(async () => {
    mark = `C${Date.now()}`;
    created = [];
    for (const [i, due] of ['2026-07-01', null, '2026-07-01', '2026-06-01', null, '2026-08-01'].entries()) {
      created.push((await createProject(t, f, { project_title: `${mark} ${i % 2 ? 'b' : 'a'}`, project_date_due: due })).id);
    }
  });
  const listed = (qs: string) => t.api('GET', `/api/projects?search=${mark}&${qs}`);

  /** Follows next_cursor from the first page to the end; `during` runs after the first page. */
  async function walk(qs: string, during: () => Promise<void> = async () => {}): Promise<number[]> {
    const first = await listed(`${qs}&limit=2`);
    expect(first.body.meta).toMatchObject({ current_page: 1, per_page: 2 });
    await during();
    const ids = first.body.data.map((p: { id: number }) => p.id);
    let cursor: string | null = first.body.meta.next_cursor;
    while (cursor) {
      const r = await listed(`${qs}&limit=2&after=${encodeURIComponent(cursor)}`);
      expect(r.status).toBe(200);
      expect(Object.keys(r.body.meta).sort()).toEqual(['after', 'next_cursor', 'per_page']);
      expect(r.body.meta.after).toBe(cursor);
      ids.push(...r.body.data.map((p: { id: number }) => p.id));
      cursor = r.body.meta.next_cursor;
    }
    return ids;
  }

  it.each([
    'sort=project_created', 'sort=project_title&order=asc', 'sort=project_date_due&order=asc', 'sort=project_date_due&order=desc',
    'sort=project_status', 'sort=project_updated&order=asc', 'sort=client_company_name&order=asc',
  ])('walks every project once, in the page order (%s)', async (qs) => {
    const all = (await listed(`${qs}&limit=100`)).body;
    expect(all.meta.next_cursor).toBeNull();
    expect(await walk(qs)).toEqual(all.data.map((p: { id: number }) => p.id));
  });

  it('is stable under inserts: a project created during the walk neither shifts nor repeats a page', async () => {
    let extra = 0;
    const ids = await walk('sort=project_created&order=asc', async () => {
      extra = (await createProject(t, f, { project_title: `${mark} late` })).id;
    });
    expect(ids).toEqual([...created, extra]);
    const newestFirst = await walk('sort=project_created', async () => {
      await createProject(t, f, { project_title: `${mark} later` });
    });
    // Newest first: the walk had passed the newest end already, so the one created meanwhile is not in it.
    expect(newestFirst).toEqual([...created, extra].reverse());
  });

  it('a page mode answer without a following page has a null next_cursor; a last page in cursor mode too', async () => {
    const page = await listed('sort=project_title&order=asc&limit=100');
    expect(page.body.meta.next_cursor).toBeNull();
    const two = await listed('sort=project_title&order=asc&limit=7');
    const end = await listed(`sort=project_title&order=asc&limit=7&after=${two.body.meta.next_cursor}`);
    expect(end.body.meta.next_cursor).toBeNull();
    expect(end.body.data.length).toBe(page.body.data.length - 7);
  });

  it('refuses a malformed or tampered cursor, another sort or order, and a page with it', async () => {
    const cursor = (await listed('sort=project_title&order=asc&limit=1')).body.meta.next_cursor as string;
    const decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString());
    const forged = (change: object) => Buffer.from(JSON.stringify({ ...decoded, ...change })).toString('base64url');
    for (const bad of ['nonsense', forged({ v: [1] }), forged({ id: 'x' }), forged({ s: 'project_budget' }), forged({ v: [] }),
      Buffer.from(JSON.stringify({ ...decoded, s: 'project_created', v: ['2026-02-30T00:00:00.000000Z'] })).toString('base64url'),
      // No such month: JavaScript's Date is invalid there (where 02-30 only rolls over to March).
      Buffer.from(JSON.stringify({ ...decoded, s: 'project_created', v: ['2026-13-45T00:00:00.000000Z'] })).toString('base64url'),
      Buffer.from(JSON.stringify({ ...decoded, s: 'project_date_due', v: ['2026-13-45'] })).toString('base64url')]) {
      const r = await listed(`sort=${decoded.s}&order=${decoded.o}&after=${bad}`);
      expect(r.status).toBe(422);
      expect(r.body.errors).toEqual({ after: [INVALID_CURSOR_MESSAGE] });
    }
    const otherSort = await listed(`sort=project_created&order=asc&after=${cursor}`);
    expect(otherSort.body.errors).toEqual({ after: [cursorForOtherSort('project_title', 'asc')] });
    const otherOrder = await listed(`sort=project_title&after=${cursor}`);
    expect(otherOrder.status).toBe(422);
    const withPage = await listed(`sort=project_title&order=asc&page=2&after=${cursor}`);
    expect(withPage.body.errors).toEqual({ page: [PAGE_WITH_AFTER_MESSAGE] });
  });
});

describe('listProjects filter grammar', () => {
  let mark: string;
  let p: Record<'low' | 'mid' | 'high' | 'urgent', { id: number }>;
  beforeAll(async () => {
    mark = `G${Date.now()}`;
    const make = (extra: Record<string, unknown>) => createProject(t, f, { project_title: `${mark} grammar`, ...extra });
    p = {
      low: await make({ project_date_start: '2026-01-01', project_date_due: '2026-02-01', project_reference: 'R-1' }),
      mid: await make({ project_date_start: '2026-03-01', project_clientid: f.otherClient.id }),
      high: await make({ project_date_start: '2026-05-01', project_date_due: '2026-12-31', project_description: 'Big one' }),
      urgent: await make({ project_date_start: '2026-05-01' }),
    };
    await t.api('PUT', `/api/projects/${p.low.id}/progress`, { json: { progress: 10 } });
    await t.api('PUT', `/api/projects/${p.mid.id}/progress`, { json: { progress: 50 } });
    await t.api('PUT', `/api/projects/${p.high.id}/progress`, { json: { progress: 90 } });
    await t.api('PUT', `/api/projects/${p.high.id}/status`, { json: { status: 'on_hold' } });
    await t.api('PUT', `/api/projects/${p.urgent.id}/tags`, { json: { tags: ['urgent'] } });
    await t.api('PUT', `/api/projects/${p.urgent.id}/assign`, { json: { assigned: [f.sam.id] } });
  });
  const ids = async (qs: string) => {
    const r = await t.api('GET', `/api/projects?filter[title][contains]=${mark}&limit=100&sort=project_created&order=asc&${qs}`);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body.data.map((row: { id: number }) => row.id);
  };

  it('compares fields with each operator; several operators on one field all hold', async () => {
    expect(await ids('filter[progress][gte]=10&filter[progress][lt]=90')).toEqual([p.low.id, p.mid.id]);
    expect(await ids('filter[progress][gt]=10&filter[progress][lte]=90')).toEqual([p.mid.id, p.high.id]);
    expect(await ids('filter[progress][eq]=50')).toEqual([p.mid.id]);
    expect(await ids('filter[progress][in][]=10&filter[progress][in][]=90')).toEqual([p.low.id, p.high.id]);
    expect(await ids('filter[status][not_eq]=on_hold')).toEqual([p.low.id, p.mid.id, p.urgent.id]);
    expect(await ids('filter[status][in][0]=on_hold&filter[status][in][1]=completed')).toEqual([p.high.id]);
    expect(await ids('filter[status][not_in][]=on_hold&filter[status][not_in][]=not_started')).toEqual([]);
    // As generated clients send a list: the name repeated per item, without brackets; one item is a list of one.
    expect(await ids('filter[status][in]=on_hold&filter[status][in]=completed')).toEqual([p.high.id]);
    expect(await ids('filter%5Bstatus%5D%5Bnot_in%5D=on_hold')).toEqual([p.low.id, p.mid.id, p.urgent.id]);
    expect(await ids('filter[or][0][status][in]=on_hold&filter[or][1][progress][in]=10')).toEqual([p.low.id, p.high.id]);
    expect(await ids('filter[date_start][gt]=2026-01-01&filter[date_start][lt]=2026-05-01')).toEqual([p.mid.id]);
    expect(await ids('filter[date_due][not_eq]=2026-02-01')).toEqual([p.mid.id, p.high.id, p.urgent.id]);
    expect(await ids('filter[description][contains]=BIG')).toEqual([p.high.id]);
    expect(await ids('filter[description][not_contains]=big')).toEqual([p.low.id, p.mid.id, p.urgent.id]);
    expect(await ids('filter[reference][eq]=R-1')).toEqual([p.low.id]);
    expect(await ids(`filter[client_company_name][eq]=Globex`)).toEqual([p.mid.id]);
    expect(await ids(`filter[client_company_name][not_contains]=glob`)).toEqual([p.low.id, p.high.id, p.urgent.id]);
    expect(await ids(`filter[client_id][not_in][]=${f.otherClient.id}`)).toEqual([p.low.id, p.high.id, p.urgent.id]);
    expect(await ids('filter[tag][eq]=urgent')).toEqual([p.urgent.id]);
    expect(await ids('filter[tag][not_eq]=urgent')).toEqual([p.low.id, p.mid.id, p.high.id]);
    expect(await ids(`filter[assigned_id][in][]=${f.sam.id}&filter[assigned_id][in][]=${f.jane.id}`)).toEqual([p.urgent.id]);
    expect(await ids(`filter[id][gte]=${p.mid.id}&filter[id][not_eq]=${p.high.id}`)).toEqual([p.mid.id, p.urgent.id]);
    expect(await ids('filter[overdue][eq]=true')).toEqual([p.low.id]);
    expect(await ids('filter[active_state][eq]=archived')).toEqual([]);
    expect(await ids('filter[updated][gte]=2000-01-01T00:00:00Z&filter[created][lt]=2000-01-01T00:00:00Z')).toEqual([]);
  });

  it('or groups: at least one holds; and groups: all hold; with the simple parameters', async () => {
    expect(await ids('filter[or][0][tag][eq]=urgent&filter[or][1][progress][gte]=90')).toEqual([p.high.id, p.urgent.id]);
    expect(await ids('filter[or][0][tag][eq]=urgent&filter[or][1][progress][gte]=50&filter[or][1][status][eq]=not_started')).toEqual([p.mid.id, p.urgent.id]);
    expect(await ids('filter[and][0][status][not_eq]=on_hold&filter[and][1][status][not_eq]=not_started')).toEqual([]);
    expect(await ids('filter[or][0][tag][eq]=urgent&filter[or][1][progress][gte]=90&status=on_hold')).toEqual([p.high.id]);
  });

  it.each([
    ['filter[budget][eq]=1', 'filter.budget', fieldNotAllowed('filter.budget')],
    ['filter[status][like]=on_hold', 'filter.status.like', fieldNotAllowed('filter.status.like')],
    ['filter[progress][contains]=5', 'filter.progress.contains', fieldNotAllowed('filter.progress.contains')],
    ['filter[progress][gt]=many', 'filter.progress.gt', fieldType('filter.progress.gt', ['integer'])],
    ['filter[status][eq]=done', 'filter.status.eq', invalidSelection('filter.status.eq', ['not_started', 'in_progress', 'on_hold', 'cancelled', 'completed'])],
    ['filter[date_due][lt]=2026-02-30', 'filter.date_due.lt', fieldFormat('filter.date_due.lt', 'date')],
    ['filter[or][0][or][0][status][eq]=on_hold', 'filter.or.0.or', fieldNotAllowed('filter.or.0.or')],
    ['filter[or][0][budget][eq]=1', 'filter.or.0.budget', fieldNotAllowed('filter.or.0.budget')],
  ])('refuses ?%s with a 422 naming it', async (qs, field, message) => {
    const r = await t.api('GET', `/api/projects?${qs}`);
    expect(r.status).toBe(422);
    expect(r.body.errors[field]).toEqual([message]);
  });
});

describe('updateProject', () => {
  it('changes only the fields sent', async () => {
    const p = await createProject(t, f, { project_description: 'Keep me', project_date_due: '2026-09-01' });
    const r = await t.api('PATCH', `/api/projects/${p.id}`, { form: { project_title: 'Website Redesign v2', project_categoryid: f.otherCategory.id, project_date_start: '2026-06-01' } });
    expect(r.status).toBe(200);
    expect(r.body.message).toBe('Project updated successfully.');
    expect(r.body.data).toMatchObject({ title: 'Website Redesign v2', description: 'Keep me', category: { id: f.otherCategory.id }, dates: { due: '2026-09-01' } });
  });

  it('clears nullable fields with an empty form value or null, and turns flags off', async () => {
    const p = await createProject(t, f, { project_description: 'x', project_date_due: '2026-09-01', clientperm_tasks_view: 'on' });
    const r = await t.api('PATCH', `/api/projects/${p.id}`, { form: 'project_description=&project_date_due=&clientperm_tasks_view=off' });
    expect(r.status).toBe(200);
    expect(r.body.data).toMatchObject({ description: null, dates: { due: null }, permissions: { clientperm_tasks_view: 'no' } });
    const j = await t.api('PATCH', `/api/projects/${p.id}`, { json: { project_reference: null } });
    expect(j.body.data.reference).toBeNull();
  });

  it('refuses a client change, a due date before the stored start, unknown references and unknown ids', async () => {
    const p = await createProject(t, f, { project_date_start: '2026-06-10' });
    const client = await t.api('PATCH', `/api/projects/${p.id}`, { json: { project_clientid: f.otherClient.id } });
    expect(client.status).toBe(422);
    expect(client.body.errors).toEqual({ project_clientid: [fieldNotAllowed('project_clientid')] });
    const due = await t.api('PATCH', `/api/projects/${p.id}`, { json: { project_date_due: '2026-06-09' } });
    expect(due.body.errors).toEqual({ project_date_due: [fieldNotBefore('project_date_due', 'project_date_start')] });
    const start = await t.api('PATCH', `/api/projects/${p.id}`, { json: { project_date_due: '2026-07-01', project_date_start: '2026-07-02' } });
    expect(start.status).toBe(422);
    const category = await t.api('PATCH', `/api/projects/${p.id}`, { json: { project_categoryid: 999999 } });
    expect(category.body.errors).toEqual({ project_categoryid: [invalidSelection('project_categoryid')] });
    expect((await t.api('PATCH', '/api/projects/999999', { json: { project_title: 'x' } })).status).toBe(404);
    const unchanged = await t.api('GET', `/api/projects/${p.id}`);
    expect(unchanged.body.data.dates).toMatchObject({ start: '2026-06-10', due: null });
  });
});

describe('progress', () => {
  it('derives progress from tasks until set manually, and back again', async () => {
    const p = await createProject(t, f);
    for (const status of ['completed', 'new', 'in_progress', 'completed', 'completed']) {
      await t.api('POST', `/api/projects/${p.id}/tasks`, { json: { task_title: `Task ${status}`, task_status: status } });
    }
    expect((await t.api('GET', `/api/projects/${p.id}`)).body.data).toMatchObject({ progress: 60, progress_manually: 'no' });
    const manual = await t.api('PUT', `/api/projects/${p.id}/progress`, { form: { progress: 50 } });
    expect(manual.status).toBe(200);
    expect(manual.body).toMatchObject({ data: { progress: 50, progress_manually: 'yes' }, message: 'Project progress updated successfully.' });
    await t.api('POST', `/api/projects/${p.id}/tasks`, { json: { task_title: 'another' } });
    expect((await t.api('GET', `/api/projects/${p.id}`)).body.data.progress).toBe(50);
    const auto = await t.api('PATCH', `/api/projects/${p.id}`, { json: { project_progress_manually: 'off' } });
    expect(auto.body.data).toMatchObject({ progress: 50, progress_manually: 'no' }); // 3 of 6 completed
  });

  it.each([[101], [-1], ['half']])('refuses progress %j', async (progress) => {
    const p = await createProject(t, f);
    const r = await t.api('PUT', `/api/projects/${p.id}/progress`, { json: { progress } });
    expect(r.status).toBe(422);
    expect(Object.keys(r.body.errors)).toEqual(['progress']);
  });
});

describe('assignProject and setProjectManager', () => {
  it('replaces the full set, answers with names, and clears with an empty array or form value', async () => {
    const p = await createProject(t, f);
    const r = await t.api('PUT', `/api/projects/${p.id}/assign`, { form: { assigned: [f.sam.id, f.jane.id, f.jane.id] } });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      data: { id: p.id, assigned: [{ id: f.jane.id, name: 'Jane Doe' }, { id: f.sam.id, name: 'Sam Lee' }] },
      message: 'Project assignees updated successfully.',
    });
    const replaced = await t.api('PUT', `/api/projects/${p.id}/assign`, { json: { assigned: [f.sam.id] } });
    expect(replaced.body.data.assigned).toEqual([{ id: f.sam.id, name: 'Sam Lee' }]);
    for (const clear of [{ json: { assigned: [] } }, { form: 'assigned[]=' }, { form: 'assigned=' }]) {
      await t.api('PUT', `/api/projects/${p.id}/assign`, { json: { assigned: [f.jane.id] } });
      const cleared = await t.api('PUT', `/api/projects/${p.id}/assign`, clear);
      expect(cleared.body.data.assigned, JSON.stringify(clear)).toEqual([]);
    }
    expect((await t.api('GET', `/api/projects/${p.id}`)).body.data.assigned).toEqual([]);
  });

  it('refuses unknown users without changing the assignment', async () => {
    const p = await createProject(t, f);
    await t.api('PUT', `/api/projects/${p.id}/assign`, { json: { assigned: [f.jane.id] } });
    const r = await t.api('PUT', `/api/projects/${p.id}/assign`, { json: { assigned: [f.sam.id, 999999] } });
    expect(r.status).toBe(422);
    expect(r.body.errors).toEqual({ 'assigned.1': [invalidSelection('assigned.1')] });
    expect((await t.api('PUT', `/api/projects/${p.id}/assign`, { json: {} })).body.errors).toEqual({ assigned: [fieldRequired('assigned')] });
    expect((await t.api('GET', `/api/projects/${p.id}`)).body.data.assigned).toEqual([{ id: f.jane.id, name: 'Jane Doe' }]);
    expect((await t.api('PUT', '/api/projects/999999/assign', { json: { assigned: [] } })).status).toBe(404);
  });

  it('names every bad item in one 422: ids that are not integers and ids of no team user, together', async () => {
    const p = await createProject(t, f);
    const r = await t.api('PUT', `/api/projects/${p.id}/assign`, { form: `assigned[]=abc&assigned[]=999999&assigned[]=${f.jane.id}&assigned[]=888888` });
    expect(r.status).toBe(422);
    expect(r.body.errors).toEqual({
      'assigned.0': [fieldType('assigned.0', ['integer'])],
      'assigned.1': [invalidSelection('assigned.1')],
      'assigned.3': [invalidSelection('assigned.3')],
    });
    const json = await t.api('PUT', `/api/projects/${p.id}/assign`, { json: { assigned: ['abc', 999999] } });
    expect(json.body.errors).toEqual({ 'assigned.0': [fieldType('assigned.0', ['integer'])], 'assigned.1': [invalidSelection('assigned.1')] });
    expect((await t.api('GET', `/api/projects/${p.id}`)).body.data.assigned).toEqual([]);
  });

  it('sets, replaces and removes the manager', async () => {
    const p = await createProject(t, f);
    const r = await t.api('PUT', `/api/projects/${p.id}/manager`, { form: { manager: f.jane.id } });
    expect(r.body).toEqual({ data: { id: p.id, managers: [{ id: f.jane.id, name: 'Jane Doe' }] }, message: 'Project manager updated successfully.' });
    expect((await t.api('PUT', `/api/projects/${p.id}/manager`, { json: { manager: f.sam.id } })).body.data.managers).toEqual([{ id: f.sam.id, name: 'Sam Lee' }]);
    expect((await t.api('PUT', `/api/projects/${p.id}/manager`, { form: 'manager=' })).body.data.managers).toEqual([]);
    await t.api('PUT', `/api/projects/${p.id}/manager`, { json: { manager: f.sam.id } });
    expect((await t.api('PUT', `/api/projects/${p.id}/manager`, { json: { manager: null } })).body.data.managers).toEqual([]);
    const bad = await t.api('PUT', `/api/projects/${p.id}/manager`, { json: { manager: 999999 } });
    expect(bad.body.errors).toEqual({ manager: [invalidSelection('manager')] });
    expect((await t.api('PUT', `/api/projects/${p.id}/manager`, { json: {} })).body.errors).toEqual({ manager: [fieldRequired('manager')] });
  });
});

describe('status, tags, archive, restore', () => {
  it('changes status and refuses unknown ones', async () => {
    const p = await createProject(t, f);
    const r = await t.api('PUT', `/api/projects/${p.id}/status`, { form: { status: 'in_progress' } });
    expect(r.body).toMatchObject({ data: { id: p.id, status: 'in_progress' }, message: 'Project status updated successfully.' });
    const bad = await t.api('PUT', `/api/projects/${p.id}/status`, { json: { status: 'done' } });
    expect(bad.body.errors).toEqual({ status: [invalidSelection('status', ['not_started', 'in_progress', 'on_hold', 'cancelled', 'completed'])] });
  });

  it('replaces tags in order, dropping repeats, and clears them', async () => {
    const p = await createProject(t, f);
    const r = await t.api('PUT', `/api/projects/${p.id}/tags`, { form: { tags: ['priority', 'q3', 'priority'] } });
    expect(r.body).toMatchObject({ data: { tags: ['priority', 'q3'] }, message: 'Project tags updated successfully.' });
    expect((await t.api('PUT', `/api/projects/${p.id}/tags`, { json: { tags: ['b', 'a'] } })).body.data.tags).toEqual(['b', 'a']);
    expect((await t.api('PUT', `/api/projects/${p.id}/tags`, { form: 'tags[]=' })).body.data.tags).toEqual([]);
    const bad = await t.api('PUT', `/api/projects/${p.id}/tags`, { json: { tags: ['ok', ''] } });
    expect(bad.body.errors).toEqual({ 'tags.1': [fieldRequired('tags.1')] });
  });

  it('archives and restores', async () => {
    const p = await createProject(t, f);
    const a = await t.api('PUT', `/api/projects/${p.id}/archive`);
    expect(a.body).toMatchObject({ data: { active_state: 'archived' }, message: 'Project archived successfully.' });
    expect((await t.api('GET', `/api/projects?active_state=archived&limit=100`)).body.data.map((x: { id: number }) => x.id)).toContain(p.id);
    const r = await t.api('PUT', `/api/projects/${p.id}/restore`);
    expect(r.body).toMatchObject({ data: { active_state: 'active' }, message: 'Project restored successfully.' });
    expect((await t.api('PUT', '/api/projects/999999/archive')).status).toBe(404);
    expect((await t.api('PUT', '/api/projects/999999/restore')).status).toBe(404);
  });
});

describe('stopProjectTimers', () => {
  it('stops every running timer of the project, recording end and duration', async () => {
    const p = await createProject(t, f);
    const other = await createProject(t, f);
    await t.api('POST', `/api/projects/${p.id}/timers`, { form: { user_id: f.jane.id } });
    await t.api('POST', `/api/projects/${p.id}/timers`, { json: { user_id: f.sam.id } });
    await t.api('POST', `/api/projects/${other.id}/timers`, { json: { user_id: f.sam.id } });
    // Backdate one timer so that its duration is measurable.
    await t.db.prisma.timer.updateMany({ where: { projectId: p.id, userId: f.jane.id }, data: { startedAt: new Date(Date.now() - 90_000) } });
    const r = await t.api('PUT', `/api/projects/${p.id}/stop-timers`);
    expect(r.body).toEqual({ data: { id: p.id, stopped: 2 }, message: 'Project timers stopped successfully.' });
    const stopped = (await t.api('GET', `/api/projects/${p.id}/timers?status=stopped`)).body.data;
    expect(stopped).toHaveLength(2);
    const jane = stopped.find((x: { user: { id: number } }) => x.user.id === f.jane.id);
    expect(jane.duration).toBeGreaterThanOrEqual(89);
    expect(jane.stopped).not.toBeNull();
    expect((await t.api('GET', `/api/projects/${p.id}/timers?status=running`)).body.data).toEqual([]);
    expect((await t.api('GET', `/api/projects/${other.id}/timers?status=running`)).body.data).toHaveLength(1);
    expect((await t.api('PUT', `/api/projects/${p.id}/stop-timers`)).body.data.stopped).toBe(0);
    expect((await t.api('PUT', '/api/projects/999999/stop-timers')).status).toBe(404);
  });
});

async function projectWithChildren() {
  const p = await createProject(t, f, { project_description: 'Source', project_date_due: '2026-09-30', project_billing_rate: 120, clientperm_tasks_view: 'on' });
  await t.api('PUT', `/api/projects/${p.id}/assign`, { json: { assigned: [f.jane.id] } });
  await t.api('PUT', `/api/projects/${p.id}/manager`, { json: { manager: f.sam.id } });
  await t.api('PUT', `/api/projects/${p.id}/tags`, { json: { tags: ['priority'] } });
  const task = (await t.api('POST', `/api/projects/${p.id}/tasks`, {
    json: { task_title: 'Wireframes', task_status: 'completed', task_checklist: ['Home', 'About'], task_files: [{ file_name: 'a.pdf', file_url: 'https://files.acme.test/a.pdf' }] },
  })).body.data;
  await t.api('POST', `/api/projects/${p.id}/milestones`, { json: { milestone_title: 'Sign-off' } });
  await t.api('POST', `/api/projects/${p.id}/timers`, { json: { user_id: f.jane.id, task_id: task.id } });
  await t.api('POST', `/api/projects/${p.id}/files`, { json: { file_name: 'c.pdf', file_url: 'https://files.acme.test/c.pdf' } });
  await t.api('POST', `/api/projects/${p.id}/invoices`, { json: { invoice_date: '2026-06-30', invoice_due_date: '2026-07-30', invoice_amount: 4800, invoice_status: 'paid' } });
  await t.api('POST', `/api/projects/${p.id}/estimates`, { json: { estimate_date: '2026-05-20', estimate_amount: 9600, estimate_status: 'accepted' } });
  await t.api('POST', `/api/projects/${p.id}/comments`, { json: { comment_text: 'Kick-off went well.', comment_creatorid: f.jane.id } });
  return p;
}

async function countChildren(projectId: number) {
  const where = { projectId };
  const taskIds = (await t.db.prisma.task.findMany({ where, select: { id: true } })).map((x) => x.id);
  return {
    tasks: taskIds.length,
    checklist: await t.db.prisma.taskChecklistItem.count({ where: { taskId: { in: taskIds } } }),
    taskFiles: await t.db.prisma.taskFile.count({ where: { taskId: { in: taskIds } } }),
    milestones: await t.db.prisma.milestone.count({ where }),
    timers: await t.db.prisma.timer.count({ where }),
    files: await t.db.prisma.projectFile.count({ where }),
    invoices: await t.db.prisma.invoice.count({ where }),
    estimates: await t.db.prisma.estimate.count({ where }),
    assignees: await t.db.prisma.projectAssignee.count({ where }),
    tags: await t.db.prisma.projectTag.count({ where }),
    comments: await t.db.prisma.projectComment.count({ where }),
  };
}

describe('cloneProject', () => {
  it('copies the project with the documented defaults and only the children asked for', async () => {
    const source = await projectWithChildren();
    const r = await t.api('POST', `/api/projects/${source.id}/clone`, { form: { project_title: 'Website Redesign (copy)', copy_tasks: 'on' } });
    expect(r.status).toBe(201);
    expect(r.body.message).toBe('Project cloned successfully.');
    const clone = r.body.data;
    expect(clone.id).not.toBe(source.id);
    expect(clone).toMatchObject({
      title: 'Website Redesign (copy)', description: 'Source', status: 'not_started', active_state: 'active',
      client: { id: f.client.id }, category: { id: f.category.id }, dates: { start: '2026-06-01', due: '2026-09-30' },
      billing: { rate: '120.00' }, permissions: { clientperm_tasks_view: 'yes' },
      assigned: [{ id: f.jane.id, name: 'Jane Doe' }], managers: [{ id: f.sam.id, name: 'Sam Lee' }], tags: ['priority'],
      progress: 0,
    });
    expect(await countChildren(clone.id)).toEqual({
      tasks: 1, checklist: 0, taskFiles: 0, milestones: 0, timers: 0, files: 0, invoices: 0, estimates: 0, assignees: 1, tags: 1, comments: 0,
    });
    const tasks = (await t.api('GET', `/api/projects/${clone.id}/tasks`)).body.data;
    expect(tasks[0]).toMatchObject({ title: 'Wireframes', status: 'new', checklist: [], files: [] });
  });

  it('copies every kind of child when every flag is on, and overrides client, category and dates', async () => {
    const source = await projectWithChildren();
    const r = await t.api('POST', `/api/projects/${source.id}/clone`, {
      json: {
        project_title: 'Everything', project_clientid: f.otherClient.id, project_categoryid: f.otherCategory.id,
        project_date_start: '2027-01-01', project_date_due: null, copy_milestones: 'on', copy_tasks: 'on',
        copy_tasks_files: 'on', copy_tasks_checklist: 'on', copy_invoices: 'on', copy_estimates: 'on', copy_files: 'on', copy_comments: 'on',
      },
    });
    expect(r.status).toBe(201);
    expect(r.body.data).toMatchObject({ client: { id: f.otherClient.id }, category: { id: f.otherCategory.id }, dates: { start: '2027-01-01', due: null } });
    expect(await countChildren(r.body.data.id)).toEqual({
      tasks: 1, checklist: 2, taskFiles: 1, milestones: 1, timers: 0, files: 1, invoices: 1, estimates: 1, assignees: 1, tags: 1, comments: 1,
    });
    const comments = (await t.api('GET', `/api/projects/${r.body.data.id}/comments`)).body.data;
    expect(comments).toMatchObject([{ project_id: r.body.data.id, text: 'Kick-off went well.', creator: { id: f.jane.id, name: 'Jane Doe' } }]);
    const invoices = (await t.api('GET', `/api/projects/${r.body.data.id}/invoices`)).body.data;
    expect(invoices[0]).toMatchObject({ status: 'draft', client_id: f.otherClient.id, amount: '4800.00' });
  });

  it('refuses a missing title, a bad reference, a due date before the start, and unknown sources', async () => {
    const source = await createProject(t, f, { project_date_due: '2026-06-30' });
    const before = await t.db.prisma.project.count();
    expect((await t.api('POST', `/api/projects/${source.id}/clone`, { json: {} })).body.errors).toEqual({ project_title: [fieldRequired('project_title')] });
    expect((await t.api('POST', `/api/projects/${source.id}/clone`, { json: { project_title: 'x', project_clientid: 999999 } })).body.errors)
      .toEqual({ project_clientid: [invalidSelection('project_clientid')] });
    expect((await t.api('POST', `/api/projects/${source.id}/clone`, { json: { project_title: 'x', project_date_start: '2026-07-01', project_date_due: '2026-06-15' } })).body.errors)
      .toEqual({ project_date_due: [fieldNotBefore('project_date_due', 'project_date_start')] });
    expect((await t.api('POST', '/api/projects/999999/clone', { json: { project_title: 'x' } })).status).toBe(404);
    expect(await t.db.prisma.project.count()).toBe(before);
  });
});

describe('deleteProject', () => {
  it('removes the project and every child row in one go', async () => {
    const p = await projectWithChildren();
    const before = await countChildren(p.id);
    expect(Object.values(before).every((n) => n > 0)).toBe(true);
    const r = await t.api('DELETE', `/api/projects/${p.id}`);
    expect(r.body).toEqual({ data: { id: p.id }, message: 'Project deleted successfully.' });
    expect(Object.values(await countChildren(p.id)).every((n) => n === 0)).toBe(true);
    const orphans = await t.db.prisma.$queryRaw<{ n: bigint }[]>`
      SELECT (SELECT count(*) FROM task_checklist_items c WHERE NOT EXISTS (SELECT 1 FROM tasks x WHERE x.id = c.task_id))
           + (SELECT count(*) FROM task_files c WHERE NOT EXISTS (SELECT 1 FROM tasks x WHERE x.id = c.task_id)) AS n`;
    expect(Number(orphans[0]!.n)).toBe(0);
    expect((await t.api('GET', `/api/projects/${p.id}`)).status).toBe(404);
    expect((await t.api('DELETE', `/api/projects/${p.id}`)).status).toBe(404);
  });
});
