// What a careful reader of the Grow page and a new user trip over (issue 13): each answer here is the
// one the spec describes, the same on PGlite and on PostgreSQL.
import { describe, expect, it } from 'vitest';
import { loadSpec, resolveSchema } from '../../server/contract/spec.ts';
import { createProject, useTestServer } from '../helpers/server.ts';
import { fieldMaxDecimals, fieldNotAllowed, fieldRequired, invalidSelection, JSON_AS_FORM_MESSAGE, NO_CONTENT_TYPE_MESSAGE, NOT_FOUND_MESSAGE, parameterNotSupported } from '../../server/core/messages.ts';

const { t, f } = useTestServer();
const doc = loadSpec();

/** The body's bytes with the test key and only the headers given (fetch adds a Content-Type to a string body). */
async function sendRaw(method: string, path: string, body: string, headers: Record<string, string>) {
  const response = await fetch(t.baseUrl + path, { method, body: new TextEncoder().encode(body), headers: { authorization: `Bearer ${t.key}`, ...headers } });
  return { status: response.status, body: await response.json() as { message: string; errors?: Record<string, string[]> } };
}

describe('messages that tell the client what to send', () => {
  it('a JSON body sent as a form (curl -d without a Content-Type) is named as such', async () => {
    const project = await createProject(t, f);
    const r = await sendRaw('PUT', `/api/projects/${project.id}/assign`, `{"assigned":[${f.jane.id}]}`, { 'content-type': 'application/x-www-form-urlencoded' });
    expect(r.status).toBe(415);
    expect(r.body).toEqual({
      message: JSON_AS_FORM_MESSAGE,
    });
  });

  it('a JSON body sent without any Content-Type is told to declare it', async () => {
    const project = await createProject(t, f);
    const r = await sendRaw('PUT', `/api/projects/${project.id}/assign`, `{"assigned":[${f.jane.id}]}`, {});
    expect(r.status).toBe(415);
    expect(r.body.message).toBe(NO_CONTENT_TYPE_MESSAGE);
  });

  it('a form body that merely contains braces is still a form', async () => {
    const r = await t.api('POST', '/api/categories', { form: 'category_name={draft}' });
    expect(r.status).toBe(201);
    expect(r.body.data.name).toBe('{draft}');
  });

  it('an invalid sort lists the allowed values, in the order of the spec', async () => {
    const r = await t.api('GET', '/api/projects?sort=title');
    expect(r.status).toBe(422);
    const sort = doc.paths['/api/projects']!.get as { parameters: { name?: string; schema?: { enum?: string[] } }[] };
    const allowed = sort.parameters.find((p) => p.name === 'sort')!.schema!.enum!;
    expect(r.body.errors).toEqual({ sort: [invalidSelection('sort', allowed)] });
  });

  it('an invalid value of a body enum lists its values too', async () => {
    const project = await createProject(t, f);
    const r = await t.api('PUT', `/api/projects/${project.id}/status`, { json: { status: 'done' } });
    const statuses = resolveSchema(doc, { $ref: '#/components/schemas/ProjectStatus' })!.enum as string[];
    expect(r.body.errors).toEqual({ status: [invalidSelection('status', statuses)] });
  });

  it('an unknown query parameter is named as sent, with the parameters the operation supports', async () => {
    const r = await t.api('GET', '/api/clients?colour=red');
    expect(r.status).toBe(422);
    expect(r.body.errors).toEqual({ colour: [parameterNotSupported('colour', ['search', 'sort', 'order', 'limit', 'page'])] });
  });

  it('the cache-buster `_` (jQuery\'s cache: false) is ignored', async () => {
    const plain = await t.api('GET', '/api/projects?limit=5');
    const busted = await t.api('GET', '/api/projects?limit=5&_=1733050000000');
    expect(busted.status).toBe(200);
    expect(busted.body).toEqual(plain.body);
  });

  it('a path whose percent-escapes do not decode names no resource', async () => {
    const r = await t.api('GET', '/api/projects/%ZZ');
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ message: NOT_FOUND_MESSAGE });
  });

  it('an unknown body field is named as sent', async () => {
    const r = await t.api('POST', '/api/categories', { json: { category_name: 'x', category_colour: 'red' } });
    expect(r.body.errors).toEqual({ category_colour: [fieldNotAllowed('category_colour')] });
  });
});

describe('projects as the page describes them', () => {
  it('estimated hours keep the two decimals the spec allows; more decimals are refused, never rounded', async () => {
    const kept = await createProject(t, f, { project_billing_estimated_hours: 80.25 });
    expect(kept.billing.estimated_hours).toBe(80.25);
    const more = await t.api('POST', '/api/projects', {
      json: { project_clientid: f.client.id, project_categoryid: f.category.id, project_title: 'Hours', project_date_start: '2026-06-01', project_billing_estimated_hours: 80.256 },
    });
    expect(more.status).toBe(422);
    expect(more.body.errors).toEqual({ project_billing_estimated_hours: [fieldMaxDecimals('project_billing_estimated_hours', 2)] });
    const patched = await t.api('PATCH', `/api/projects/${kept.id}`, { form: 'project_billing_estimated_hours=0.001' });
    expect(patched.body.errors).toEqual({ project_billing_estimated_hours: [fieldMaxDecimals('project_billing_estimated_hours', 2)] });
    expect((await t.api('GET', `/api/projects/${kept.id}`)).body.data.billing.estimated_hours).toBe(80.25);
  });

  it('sorts titles case-insensitively and statuses in their listed order, the same on both databases', async () => {
    const client = (await t.api('POST', '/api/clients', { json: { client_company_name: 'Sort Test Ltd' } })).body.data;
    const titles = ['Beta', 'zeta', 'Gamma', 'alpha', 'Éclair', 'delta'];
    const statuses = resolveSchema(doc, { $ref: '#/components/schemas/ProjectStatus' })!.enum as string[];
    for (const [index, title] of titles.entries()) {
      const project = await createProject(t, f, { project_clientid: client.id, project_title: title });
      await t.api('PUT', `/api/projects/${project.id}/status`, { json: { status: statuses[(index * 2) % statuses.length] } });
    }
    const list = async (query: string) => (await t.api('GET', `/api/projects?client_id=${client.id}&limit=100&${query}`)).body.data as { title: string; status: string }[];
    expect((await list('sort=project_title&order=asc')).map((p) => p.title)).toEqual(['alpha', 'Beta', 'delta', 'Éclair', 'Gamma', 'zeta']);
    expect((await list('sort=project_title&order=desc')).map((p) => p.title)).toEqual(['zeta', 'Gamma', 'Éclair', 'delta', 'Beta', 'alpha']);
    const byStatus = (await list('sort=project_status&order=asc')).map((p) => statuses.indexOf(p.status));
    expect(byStatus).toEqual([...byStatus].sort((a, b) => a - b));
  });

  it('a clone given only a later start date keeps the source\'s duration: the due date moves with it', async () => {
    const source = await createProject(t, f, { project_date_start: '2026-06-01', project_date_due: '2026-06-30' });
    const r = await t.api('POST', `/api/projects/${source.id}/clone`, { json: { project_title: 'Next month', project_date_start: '2026-07-15' } });
    expect(r.status).toBe(201);
    expect(r.body.data.dates).toMatchObject({ start: '2026-07-15', due: '2026-08-13' });
    const earlier = await t.api('POST', `/api/projects/${source.id}/clone`, { json: { project_title: 'Earlier', project_date_start: '2026-05-01' } });
    expect(earlier.body.data.dates).toMatchObject({ start: '2026-05-01', due: '2026-05-30' });
    const explicit = await t.api('POST', `/api/projects/${source.id}/clone`, { json: { project_title: 'Own due', project_date_start: '2026-07-15', project_date_due: null } });
    expect(explicit.body.data.dates).toMatchObject({ start: '2026-07-15', due: null });
  });

  it('archiving an archived project (or restoring an active one) changes nothing, not even dates.updated', async () => {
    const project = await createProject(t, f);
    const archived = (await t.api('PUT', `/api/projects/${project.id}/archive`)).body.data;
    await new Promise((resolve) => setTimeout(resolve, 20));
    const again = await t.api('PUT', `/api/projects/${project.id}/archive`);
    expect(again.status).toBe(200);
    expect(again.body.data).toEqual(archived);
    const restored = (await t.api('PUT', `/api/projects/${project.id}/restore`)).body.data;
    expect(restored.active_state).toBe('active');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await t.api('PUT', `/api/projects/${project.id}/restore`)).body.data).toEqual(restored);
    expect((await t.api('PUT', '/api/projects/999999/archive')).status).toBe(404);
  });

  it('"manager": "" in JSON removes the manager, as empty/null does in a form', async () => {
    const project = await createProject(t, f);
    await t.api('PUT', `/api/projects/${project.id}/manager`, { json: { manager: f.jane.id } });
    const r = await t.api('PUT', `/api/projects/${project.id}/manager`, { json: { manager: '' } });
    expect(r.status).toBe(200);
    expect(r.body.data).toEqual({ id: project.id, managers: [] });
  });

  it('a JSON empty string clears a nullable date, as in a form', async () => {
    const project = await createProject(t, f, { project_date_due: '2026-09-01' });
    const r = await t.api('PATCH', `/api/projects/${project.id}`, { json: { project_date_due: '' } });
    expect(r.status).toBe(200);
    expect(r.body.data.dates.due).toBeNull();
  });

  it.each(['   ', '\t\n', '\u00a0\u3000'])('a title of only white space (%j) is refused like a missing one; other text is stored as sent', async (title) => {
    const r = await t.api('POST', '/api/projects', {
      json: { project_clientid: f.client.id, project_categoryid: f.category.id, project_title: title, project_date_start: '2026-06-01' },
    });
    expect(r.status).toBe(422);
    expect(r.body.errors).toEqual({ project_title: [fieldRequired('project_title')] });
    const padded = await createProject(t, f, { project_title: `  ${title}Padded  ` });
    expect(padded.title).toBe(`  ${title}Padded  `);
  });
});
