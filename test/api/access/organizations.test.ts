// Two organizations on one database. Organization A (the test server's key) calls every operation of
// the spec that takes an id with organization B's ids: each answers 404 exactly as for an id that
// exists nowhere, and B's rows stay as they were. A's lists, feeds, totals and searches never show
// B's data; an Idempotency-Key and the project numbers are each organization's own; a key stops
// working once its person or its organization is deleted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asSystem, inOrganization } from '../../../server/platform/database/tenancy.ts';
import { routes } from '../../helpers/contract.ts';
import { createFixtures, createProject, exampleBody, type Fixtures, startTestServer, type TestServer } from '../../helpers/server.ts';
import { bearer, type FilledOrganization, filledOrganization, newOrganization } from '../../helpers/organizations.ts';
import { until } from '../../helpers/wait.ts';

/** B's rows all carry this in their names, so that an answer showing any of them is easy to spot. */
const MARK = 'Zeta';
/** An id that names nothing in either organization. */
const NOWHERE = 987_654_321;

let t: TestServer;
let a: Fixtures;
let b: FilledOrganization;

const as = bearer;

/** Every tenant table's rows in `organizationId`, but the API keys' (their `last_used_at` records use). */
async function rowsOf(organizationId: number): Promise<Record<string, string>> {
  const tables = await asSystem(() => t.db.prisma.$queryRaw<{ table_name: string }[]>`
    SELECT c.table_name FROM information_schema.columns c JOIN information_schema.tables t USING (table_schema, table_name)
     WHERE c.table_schema = 'public' AND c.column_name = 'organization_id' AND t.table_type = 'BASE TABLE' AND c.table_name <> 'api_keys'`);
  return inOrganization(organizationId, async () => Object.fromEntries(await Promise.all(tables.map(async ({ table_name: table }) => {
    const [row] = await t.db.prisma.$queryRawUnsafe<{ rows: string }[]>(`SELECT coalesce(json_agg(r ORDER BY r::text), '[]')::text AS rows FROM "${table}" r`);
    return [table, row!.rows] as const;
  }))));
}

beforeAll(async () => {
  t = await startTestServer({ env: { API_KEY_CACHE_MS: '200' } });
  a = await createFixtures(t);
  // A's first project comes before B's: each is the first of its organization.
  await createProject(t, a, { project_title: 'Alpha launch' });
  b = await filledOrganization(t, MARK);
});
afterAll(async () => { await t?.close(); });

describe('organization A with organization B\'s ids', () => {
  const withPathIds = routes.filter((route) => route.parameters.some((p) => p.in === 'path'));

  it('covers every operation of the spec that takes an id', () => {
    expect(withPathIds.length).toBeGreaterThanOrEqual(30);
  });

  it.each(withPathIds.map((route) => [`${route.method.toUpperCase()} ${route.specPath}`, route] as const))('%s: 404 as for no such id; B unchanged', async (_label, route) => {
    const segments = route.specPath.split('/');
    const pathWith = (idOf: (collection: string) => number) => route.specPath.replace(/\{(\w+)\}/g, (_match, name: string) => String(idOf(segments[segments.indexOf(`{${name}}`) - 1]!)));
    // The spec's example body, its references pointed at A's own rows: only the path names B's.
    const body = exampleBody(route, a);
    const send = (path: string) => t.api(route.method.toUpperCase(), path, body ? { json: body } : {});
    const before = await rowsOf(b.organizationId);
    const ofB = await send(pathWith((collection) => {
      const id = b.ids[collection];
      if (id === undefined) throw new Error(`No row of B for ${route.specPath}: add one for "${collection}" in beforeAll`);
      return id;
    }));
    const ofNobody = await send(pathWith(() => NOWHERE));
    expect(ofB.status, JSON.stringify(ofB.body)).toBe(404);
    expect(ofB.body).toEqual(ofNobody.body);
    expect(await rowsOf(b.organizationId)).toEqual(before);
  });
});

describe('what A reads', () => {
  it('never shows B\'s rows in a list, a feed, a total or a search', async () => {
    const reads = [
      '/api/projects?search=Zeta&search_in=title,description,reference,number,client_company_name&template=include',
      '/api/projects?limit=100', '/api/projects?tag=Zeta', '/api/clients?search=Zeta', '/api/clients', '/api/categories', '/api/users?search=Zeta',
      '/api/users', '/api/custom-fields', '/api/events?limit=100', '/api/webhooks', '/api/api-keys', '/api/me',
    ];
    for (const path of reads) {
      const response = await t.api('GET', path);
      expect(response.status, `${path}: ${JSON.stringify(response.body)}`).toBe(200);
      expect(JSON.stringify(response.body), path).not.toContain(MARK);
    }
    const projects = (await t.api('GET', '/api/projects?search=Zeta')).body;
    expect(projects.meta.total).toBe(0);
    const own = await inOrganization(1, () => t.db.prisma.project.count({ where: { isTemplate: false } }));
    expect((await t.api('GET', '/api/projects')).body.meta.total).toBe(own);
    // B sees its own (the marks are there to be found).
    const ofB = await t.api('GET', '/api/projects?search=Zeta', { headers: as(b.key) });
    expect(ofB.body.meta.total).toBe(1);
  });

  it('counts project numbers per organization: B\'s first project has the number A\'s first has', async () => {
    const first = async (key?: string) => (await t.api('GET', '/api/projects?sort=project_created&order=asc&limit=1', key ? { headers: as(key) } : {})).body.data[0].number;
    expect(await first(b.key)).toBe(await first());
  });

  it('makes two changes of the same Idempotency-Key sent by both organizations', async () => {
    const headers = { 'idempotency-key': 'shared-key-1' };
    const ofA = await t.api('POST', '/api/clients', { headers, json: { client_company_name: 'Alpha by key' } });
    const ofB = await t.api('POST', '/api/clients', { headers: { ...headers, ...as(b.key) }, json: { client_company_name: `${MARK} by key` } });
    expect([ofA.status, ofB.status]).toEqual([201, 201]);
    expect(ofB.headers.get('idempotent-replayed')).toBeNull();
    expect(ofB.body.data.id).not.toBe(ofA.body.data.id);
    expect(ofB.body.data.company_name).toBe(`${MARK} by key`);
  });
});

describe('a key', () => {
  it('stops working within the key cache\'s bound once its person is deleted', async () => {
    const person = await t.api('POST', '/api/users', { headers: as(b.key), json: { first_name: 'Gone', last_name: 'Soon', email: 'gone@zeta.test' } });
    const created = await t.api('POST', '/api/api-keys', { headers: as(b.key), json: { name: 'leaving', user_id: person.body.data.id } });
    const key = created.body.data.key as string;
    expect((await t.api('GET', '/api/me', { headers: as(key) })).body.data.user.id).toBe(person.body.data.id);
    await inOrganization(b.organizationId, () => t.db.prisma.user.deleteMany({ where: { id: person.body.data.id } }));
    await until('the deleted person\'s key to be refused', async () => (await t.api('GET', '/api/me', { headers: as(key) })).status === 401);
  });

  it('stops working within the key cache\'s bound once its organization is deleted', async () => {
    const { key, organizationId } = await newOrganization(t, 'Short-lived', 'admin@short.test');
    expect((await t.api('GET', '/api/me', { headers: as(key) })).body.data.organization).toEqual({ id: organizationId, name: 'Short-lived', currency: 'USD' });
    await asSystem(() => t.db.prisma.organization.delete({ where: { id: organizationId } }));
    await until('the deleted organization\'s key to be refused', async () => (await t.api('GET', '/api/me', { headers: as(key) })).status === 401);
  });
});
