// What a careful reader of the Grow page and a new user trip over (issue 13): each answer here is the
// one the spec describes, the same on PGlite and on PostgreSQL.
import { describe, expect, it } from 'vitest';
import { loadSpec, resolveSchema } from '../server/spec.ts';
import { createProject, useTestServer } from './helpers/server.ts';

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
      message: 'The request body looks like JSON but was sent as application/x-www-form-urlencoded: send it with the header Content-Type: application/json.',
    });
  });

  it('a JSON body sent without any Content-Type is told to declare it', async () => {
    const project = await createProject(t, f);
    const r = await sendRaw('PUT', `/api/projects/${project.id}/assign`, `{"assigned":[${f.jane.id}]}`, {});
    expect(r.status).toBe(415);
    expect(r.body.message).toBe('The request body has no Content-Type: send application/json or application/x-www-form-urlencoded.');
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
    expect(r.body.errors).toEqual({ sort: [`The selected sort is invalid. Allowed values: ${allowed.join(', ')}.`] });
  });

  it('an invalid value of a body enum lists its values too', async () => {
    const project = await createProject(t, f);
    const r = await t.api('PUT', `/api/projects/${project.id}/status`, { json: { status: 'done' } });
    const statuses = resolveSchema(doc, { $ref: '#/components/schemas/ProjectStatus' })!.enum as string[];
    expect(r.body.errors).toEqual({ status: [`The selected status is invalid. Allowed values: ${statuses.join(', ')}.`] });
  });

  it('an unknown query parameter is named as sent, with the parameters the operation supports', async () => {
    const r = await t.api('GET', '/api/clients?colour=red');
    expect(r.status).toBe(422);
    expect(r.body.errors).toEqual({ colour: ['The "colour" parameter is not supported here. Supported parameters: search, sort, order, limit, page.'] });
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
    expect(r.body).toEqual({ message: 'Not found.' });
  });

  it('an unknown body field is named as sent', async () => {
    const r = await t.api('POST', '/api/categories', { json: { category_name: 'x', category_colour: 'red' } });
    expect(r.body.errors).toEqual({ category_colour: ['The "category_colour" field is not allowed here.'] });
  });
});
