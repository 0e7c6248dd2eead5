// What a key may do: a viewer key, and an admin key narrowed to `*:read`, read every operation of the
// spec (200) and are refused every write (403 naming the scope, before the body is read); a member
// changes the organization's work but not its people, settings or keys; a key never makes a key that
// may do more than itself.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLE_SCOPES } from '../../../server/core/access.ts';
import { requiredScope } from '../../../server/contract/spec.ts';
import { routes } from '../../helpers/contract.ts';
import { bearer, type FilledOrganization, filledOrganization } from '../../helpers/organizations.ts';
import { startTestServer, type TestServer } from '../../helpers/server.ts';

let t: TestServer;
let org: FilledOrganization;
const keys: Record<'viewer' | 'readOnlyAdmin' | 'member', string> = { viewer: '', readOnlyAdmin: '', member: '' };

async function newKey(json: Record<string, unknown>, by = org.key): Promise<string> {
  const response = await t.api('POST', '/api/api-keys', { headers: bearer(by), json });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body.data.key;
}

beforeAll(async () => {
  t = await startTestServer();
  org = await filledOrganization(t, 'Gamma');
  keys.viewer = await newKey({ name: 'viewer', role: 'viewer' });
  keys.readOnlyAdmin = await newKey({ name: 'read-only admin', role: 'admin', scopes: ['*:read'] });
  keys.member = await newKey({ name: 'member', role: 'member' });
});
afterAll(async () => { await t?.close(); });

/** The operation's path with the organization's rows' ids. */
function pathOf(route: (typeof routes)[number]): string {
  const segments = route.specPath.split('/');
  return route.specPath.replace(/\{(\w+)\}/g, (_match, name: string) => String(org.ids[segments[segments.indexOf(`{${name}}`) - 1]!]));
}

const exampleOf = (route: (typeof routes)[number]) =>
  (route.operation.requestBody?.content['application/json'] as { example?: unknown } | undefined)?.example;

describe.each([['a viewer key', 'viewer'], ['an admin key narrowed to *:read', 'readOnlyAdmin']] as const)('%s', (_label, who) => {
  it.each(routes.map((route) => [`${route.method.toUpperCase()} ${route.specPath}`, route] as const))('%s', async (_name, route) => {
    const example = exampleOf(route);
    const response = await t.api(route.method.toUpperCase(), pathOf(route), { headers: bearer(keys[who]), ...(example ? { json: example } : {}) });
    if (route.method === 'get') {
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      return;
    }
    const scope = requiredScope(route.operation)!;
    expect(response.status, JSON.stringify(response.body)).toBe(403);
    const why = who === 'viewer' ? 'which its role (viewer) does not grant' : 'which the key\'s own scopes (*:read) do not include';
    expect(response.body).toEqual({ message: `This API key cannot do this: it needs the scope ${scope}, ${why}.`, required_scope: scope });
  });
});

describe('a member key', () => {
  const member = () => ({ headers: bearer(keys.member) });

  it('changes projects, clients and categories', async () => {
    expect((await t.api('POST', '/api/clients', { ...member(), json: { client_company_name: 'By a member' } })).status).toBe(201);
    expect((await t.api('PUT', `/api/projects/${org.ids.projects}/status`, { ...member(), json: { status: 'in_progress' } })).status).toBe(200);
  });

  it('is refused team users, custom fields, webhooks and keys, and says what it may do', async () => {
    const refused = [
      ['POST', '/api/users', { first_name: 'No', last_name: 'Way', email: 'no@gamma.test' }],
      ['POST', '/api/custom-fields', { custom_field_key: 'nope', custom_field_name: 'Nope', custom_field_type: 'text' }],
      ['POST', '/api/webhooks', { url: 'https://203.0.113.10/nope' }],
      ['POST', '/api/api-keys', { name: 'escalation', role: 'admin' }],
    ] as const;
    for (const [method, path, json] of refused) {
      const response = await t.api(method, path, { ...member(), json });
      expect(response.status, path).toBe(403);
    }
    const me = await t.api('GET', '/api/me', member());
    expect(me.body.data.api_key.role).toBe('member');
    expect(me.body.data.scopes).toEqual(ROLE_SCOPES.member);
  });
});

describe('making keys', () => {
  it('refuses scopes that name no area or that the role does not grant, each by its index', async () => {
    const response = await t.api('POST', '/api/api-keys', { headers: bearer(org.key), json: { name: 'odd', role: 'viewer', scopes: ['projects:read', 'projects:write', 'money:read'] } });
    expect(response.status).toBe(422);
    expect(Object.keys(response.body.errors)).toEqual(['scopes.1', 'scopes.2']);
  });

  it('never makes a key that may do more than the one making it', async () => {
    const keyMaker = await newKey({ name: 'key maker', role: 'admin', scopes: ['api_keys:write', 'projects:read'] });
    const wider = await t.api('POST', '/api/api-keys', { headers: bearer(keyMaker), json: { name: 'wider', role: 'admin' } });
    expect(wider.status).toBe(422);
    expect(Object.keys(wider.body.errors)).toEqual(['role']);
    const narrower = await t.api('POST', '/api/api-keys', { headers: bearer(keyMaker), json: { name: 'narrower', role: 'viewer', scopes: ['projects:read'] } });
    expect(narrower.status).toBe(201);
    expect((await t.api('GET', '/api/me', { headers: bearer(narrower.body.data.key) })).body.data.scopes).toEqual(['projects:read']);
  });

  it('revokes a key: it is refused from then on, and listed as revoked', async () => {
    const doomed = await t.api('POST', '/api/api-keys', { headers: bearer(org.key), json: { name: 'doomed', role: 'viewer' } });
    const revoked = await t.api('DELETE', `/api/api-keys/${doomed.body.data.id}`, { headers: bearer(org.key) });
    expect(revoked.status).toBe(200);
    expect(revoked.body.data.revoked).toEqual(expect.any(String));
    // This instance forgets it at once; others within API_KEY_CACHE_MS.
    expect((await t.api('GET', '/api/me', { headers: bearer(doomed.body.data.key) })).status).toBe(401);
    expect((await t.api('DELETE', `/api/api-keys/${doomed.body.data.id}`, { headers: bearer(org.key) })).status).toBe(404);
  });
});
