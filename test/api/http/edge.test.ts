// The edge of the API: what clients send that the happy path never does, and what the server tells
// them about itself (headers, logs).
import { get as httpGet, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../server/platform/logging.ts';
import { routes } from '../../helpers/contract.ts';
import { createProject, exampleBody, startSibling, useTestServer, type TestServer } from '../../helpers/server.ts';
import { until } from '../../helpers/wait.ts';
import { fieldAtLeast, fieldAtMost, fieldNotAllowed, fieldNotBefore, fieldRequired, fieldType, HEADERS_TOO_LARGE_MESSAGE, INVALID_UTF8_MESSAGE, invalidSelection, NOT_HTTP_MESSAGE, parameterNotSupported, UNAUTHORIZED_MESSAGE, UNDECOMPRESSABLE_MESSAGE, UNMET_EXPECTATION_MESSAGE, VALIDATION_MESSAGE } from '../../../server/core/messages.ts';

const { t, f } = useTestServer();

/** Sends raw bytes with the test key (or none), bypassing the helper's JSON/form encoding. */
async function sendRaw(method: string, path: string, body: Uint8Array | string, headers: Record<string, string>, auth = true) {
  const response = await fetch(t.baseUrl + path, {
    method, body: typeof body === 'string' ? body : new Uint8Array(body), headers: { ...(auth ? { authorization: `Bearer ${t.key}` } : {}), ...headers },
  });
  return { status: response.status, headers: response.headers, body: await response.json() as { message: string; errors?: Record<string, string[]> } };
}

/** Writes `request` on a fresh connection and reads the answer until the server closes it. */
function exchange(request: string): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  const { port } = new URL(t.baseUrl);
  return new Promise((resolve, reject) => {
    // Not half-closed after writing: Node drops the answer to a request whose client has ended.
    const socket = connect(Number(port), '127.0.0.1', () => socket.write(request));
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => { text += chunk; });
    socket.on('error', reject);
    socket.on('close', () => {
      const [head = '', body = ''] = text.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body });
    });
  });
}

describe('requests refused by the HTTP parser are answered in the error format', () => {
  it.each([
    ['a URL over the header size limit', `GET /api/projects?search=${'x'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 431, HEADERS_TOO_LARGE_MESSAGE],
    ['a header over the size limit', `GET /api/projects HTTP/1.1\r\nHost: x\r\nX-Big: ${'x'.repeat(20_000)}\r\n\r\n`, 431, HEADERS_TOO_LARGE_MESSAGE],
    ['a malformed header line', 'GET /api/projects HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n', 400, NOT_HTTP_MESSAGE],
    ['a request line that is not HTTP', 'HELLO THERE\r\n\r\n', 400, NOT_HTTP_MESSAGE],
    ['a bad chunked body', 'POST /api/categories HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 400, NOT_HTTP_MESSAGE],
    ['an Expect other than 100-continue', 'GET /api/projects HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\n\r\n', 417, UNMET_EXPECTATION_MESSAGE],
  ])('%s', async (_label, request, status, message) => {
    const r = await exchange(request);
    expect(r.status).toBe(status);
    expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(JSON.parse(r.body)).toEqual({ message });
  });

  it('Expect: 100-continue still works', async () => {
    const body = '{"category_name":"continued"}';
    const r = await exchange(`POST /api/categories HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${t.key}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n${body}`);
    expect(r.status).toBe(100);
    expect(r.body).toContain('201 Created');
  });
});

describe('numbers too large to represent are a 422 naming the field, never a 500', () => {
  it.each([
    ['limit=Infinity', 'limit', fieldAtMost('limit', 100)],
    ['limit=1e309', 'limit', fieldAtMost('limit', 100)],
    ['page=-Infinity', 'page', fieldAtLeast('page', 1)],
    ['category_id=1e309', 'category_id', fieldAtMost('category_id', 2147483647)],
    ['client_id=%2BInfinity', 'client_id', fieldAtMost('client_id', 2147483647)],
    ['client_id=-1e999&status=bogus', 'client_id', fieldAtLeast('client_id', 1)],
  ])('GET /api/projects?%s', async (query, field, message) => {
    const r = await t.api('GET', `/api/projects?${query}`);
    expect(r.status).toBe(422);
    expect(r.body.errors[field]).toEqual([message]);
    // Reported together with what the schema says about the rest.
    // `status` is named as the client sent it, not by its items (`status.0`).
    if (query.includes('status=')) expect(Object.keys(r.body.errors).sort()).toEqual([field, 'status']);
  });

  it.each([309, 400])('a path id of %i digits', async (digits) => {
    const id = '9'.repeat(digits);
    for (const path of [`/api/projects/${id}`, `/api/clients/${id}`, `/api/projects/${id}/tasks`]) {
      const r = await t.api('GET', path);
      expect(r.status, path).toBe(422);
      expect(r.body.errors, path).toEqual({ id: [fieldAtMost('id', 2147483647)] });
    }
  });

  it('an infinite number in a body is a type error', async () => {
    const r = await t.api('POST', '/api/categories', { form: 'category_name=x&category_id=1e309' });
    expect(r.status).toBe(422);
    const json = await sendRaw('POST', '/api/projects', `{"project_title":"x","project_clientid":1e309,"project_date_start":"2026-06-01","project_categoryid":${f.category.id}}`, { 'content-type': 'application/json' });
    expect(json.status).toBe(422);
    expect(json.body.errors).toEqual({ project_clientid: [fieldType('project_clientid', ['integer'])] });
  });
});

describe('the API key is checked before the body is read', () => {
  it.each([
    ['malformed JSON', '{"project_title":', { 'content-type': 'application/json' }],
    ['an oversized body', JSON.stringify({ project_title: 'x'.repeat(200 * 1024) }), { 'content-type': 'application/json' }],
    ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]), { 'content-type': 'application/json' }],
    ['a broken gzip body', 'not gzip', { 'content-type': 'application/json', 'content-encoding': 'gzip' }],
    ['an unsupported content type', 'x', { 'content-type': 'text/plain' }],
  ])('%s without a key is a 401', async (_label, body, headers) => {
    const r = await sendRaw('POST', '/api/projects', body, headers, false);
    expect(r.status).toBe(401);
    expect(r.body).toEqual({ message: UNAUTHORIZED_MESSAGE });
  });
});

describe('fields the parsers would hide', () => {
  it.each([
    ['__proto__=x', '__proto__'],
    ['__proto__[project_title]=x', '__proto__'],
    ['project_title=Kept&constructor=x', 'constructor'],
    ['prototype=x', 'prototype'],
  ])('a PATCH form body %s is refused, nothing changed', async (form, field) => {
    const project = await createProject(t, f);
    const r = await t.api('PATCH', `/api/projects/${project.id}`, { form });
    expect(r.status).toBe(422);
    expect(r.body.errors).toEqual({ [field]: [fieldNotAllowed(field)] });
    expect((await t.api('GET', `/api/projects/${project.id}`)).body.data.title).toBe(project.title);
  });

  it('a nested __proto__ in a form body is named where it is', async () => {
    const project = await createProject(t, f);
    const r = await t.api('POST', `/api/projects/${project.id}/tasks`, { form: 'task_title=x&task_files[0][__proto__]=y' });
    expect(r.status).toBe(422);
    expect(r.body.errors['task_files.0.__proto__']).toEqual([fieldNotAllowed('task_files.0.__proto__')]);
  });

  it.each(['__proto__=x', '__proto__[a]=x', 'constructor=x', 'prototype=x', '%5F%5Fproto%5F%5F=x'])('a query string %s is refused', async (query) => {
    const r = await t.api('GET', `/api/projects?${query}`);
    expect(r.status).toBe(422);
    const field = decodeURIComponent(query).replace(/[[=].*$/, '');
    expect(r.body.errors).toEqual({ [field]: [parameterNotSupported(field, ['status', 'active_state', 'project_type', 'template', 'client_id', 'category_id', 'manager_id', 'assigned_id', 'person_id', 'tag', 'date_start_from', 'date_start_to', 'date_due_from', 'date_due_to', 'overdue', 'updated_since', 'created_from', 'created_to', 'filter', 'custom_fields', 'custom_field_filter', 'sort_custom_field', 'search', 'search_in', 'sort', 'order', 'limit', 'page', 'fields', 'include', 'after'])] });
  });

  it('a __proto__ field is reported with the schema errors', async () => {
    const r = await t.api('POST', '/api/projects', { form: `__proto__=x&project_clientid=${f.client.id}` });
    expect(r.status).toBe(422);
    expect(Object.keys(r.body.errors).sort()).toEqual(['__proto__', 'project_categoryid', 'project_date_start', 'project_title']);
  });
});

describe('bodies that are not text, or do not decompress', () => {
  const invalidUtf8 = [
    ['a JSON body with a raw 0xFF byte', Buffer.concat([Buffer.from('{"category_name":"'), Buffer.from([0xff]), Buffer.from('"}')]), 'application/json'],
    ['a JSON body with an overlong encoding', Buffer.concat([Buffer.from('{"category_name":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]), 'application/json'],
    ['a form body with a raw 0xFF byte', Buffer.concat([Buffer.from('category_name='), Buffer.from([0xff])]), 'application/x-www-form-urlencoded'],
    ['a form body with an escaped 0xFF byte', 'category_name=%FF', 'application/x-www-form-urlencoded'],
    ['a form body with an escaped surrogate', 'category_name=%ED%A0%80', 'application/x-www-form-urlencoded'],
  ] as const;
  it.each(invalidUtf8)('%s is a 400, nothing stored', async (_label, body, type) => {
    const before = await t.db.prisma.category.count();
    const r = await sendRaw('POST', '/api/categories', body, { 'content-type': type });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ message: INVALID_UTF8_MESSAGE });
    expect(await t.db.prisma.category.count()).toBe(before);
  });

  it('a literal % in a form body is still text, and a latin-1 form is read as latin-1', async () => {
    const percent = await t.api('POST', '/api/categories', { form: 'category_name=100%' });
    expect(percent.status).toBe(201);
    expect(percent.body.data.name).toBe('100%');
    const latin1 = await sendRaw('POST', '/api/categories', Buffer.from('category_name=caf%E9'), { 'content-type': 'application/x-www-form-urlencoded; charset=iso-8859-1' });
    expect(latin1.status).toBe(201);
    expect((latin1.body as unknown as { data: { name: string } }).data.name).toBe('café');
  });

  it.each([
    ['gzip', 'not gzip at all'],
    ['gzip', gzipSync('{"category_name":"x"}').subarray(0, 15)],
    ['deflate', 'not deflate'],
    ['br', 'not brotli'],
  ])('a body that does not decompress as %s says is a 400 in our words', async (encoding, body) => {
    const r = await sendRaw('POST', '/api/categories', body, { 'content-type': 'application/json', 'content-encoding': encoding });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ message: UNDECOMPRESSABLE_MESSAGE });
  });

  it('a gzip body that does decompress is read', async () => {
    const r = await sendRaw('POST', '/api/categories', gzipSync('{"category_name":"zipped"}'), { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(r.status).toBe(201);
  });
});

describe('one 422 names every bad field', () => {
  it('a missing title and an unknown client together (the Grow page\'s own example), as JSON and as a form', async () => {
    const expected = {
      project_title: [fieldRequired('project_title')],
      project_clientid: [invalidSelection('project_clientid')],
    };
    const body = { project_clientid: 999999, project_categoryid: f.category.id, project_date_start: '2026-06-01' };
    for (const r of [await t.api('POST', '/api/projects', { json: body }), await t.api('POST', '/api/projects', { form: body })]) {
      expect(r.status).toBe(422);
      expect(r.body.errors).toEqual(expected);
    }
  });

  it('schema errors, unknown references and dates out of order, each once', async () => {
    const r = await t.api('POST', '/api/projects', {
      json: {
        project_title: '', project_clientid: 999999, project_categoryid: 'three', project_creatorid: 999999,
        project_date_start: '2026-06-10', project_date_due: '2026-06-01', project_billing_type: 'weekly',
      },
    });
    expect(r.status).toBe(422);
    expect(r.body.errors).toEqual({
      project_title: [fieldRequired('project_title')],
      project_categoryid: [fieldType('project_categoryid', ['integer'])],
      project_billing_type: [invalidSelection('project_billing_type', ['hourly', 'fixed'])],
      project_date_due: [fieldNotBefore('project_date_due', 'project_date_start')],
      project_clientid: [invalidSelection('project_clientid')],
      project_creatorid: [invalidSelection('project_creatorid')],
    });
  });

  it('on update, clone, timers, invoices and estimates too', async () => {
    const project = await createProject(t, f);
    const update = await t.api('PATCH', `/api/projects/${project.id}`, { json: { project_title: 7, project_categoryid: 999999 } });
    expect(update.body.errors).toEqual({
      project_title: [fieldType('project_title', ['string'])],
      project_categoryid: [invalidSelection('project_categoryid')],
    });
    const clone = await t.api('POST', `/api/projects/${project.id}/clone`, { json: { project_clientid: 999999 } });
    expect(clone.body.errors).toEqual({
      project_title: [fieldRequired('project_title')],
      project_clientid: [invalidSelection('project_clientid')],
    });
    const timer = await t.api('POST', `/api/projects/${project.id}/timers`, { json: { user_id: 'me', task_id: 999999 } });
    expect(timer.body.errors).toEqual({
      user_id: [fieldType('user_id', ['integer'])],
      task_id: [invalidSelection('task_id')],
    });
    const invoice = await t.api('POST', `/api/projects/${project.id}/invoices`, { json: { invoice_date: '2026-06-10', invoice_due_date: '2026-06-01' } });
    expect(invoice.body.errors).toEqual({
      invoice_amount: [fieldRequired('invoice_amount')],
      invoice_due_date: [fieldNotBefore('invoice_due_date', 'invoice_date')],
    });
    const estimate = await t.api('POST', `/api/projects/${project.id}/estimates`, { json: { estimate_date: '2026-06-10', estimate_expiry_date: '2026-06-01', estimate_amount: -1 } });
    expect(estimate.body.errors).toEqual({
      estimate_amount: [fieldAtLeast('estimate_amount', 0)],
      estimate_expiry_date: [fieldNotBefore('estimate_expiry_date', 'estimate_date')],
    });
  });

  // ProjectCreateBody and ProjectUpdateBody are ProjectFields composed with allOf and closed by
  // unevaluatedProperties: a field of neither is refused as with additionalProperties, and the 422
  // lists missing fields, then fields not allowed, then bad values in the body's field order.
  it('a field the project bodies do not define, on create and on update, as JSON and as a form', async () => {
    const project = await createProject(t, f);
    const base = { project_clientid: f.client.id, project_title: 'Unknown field', project_date_start: '2026-06-01', project_categoryid: f.category.id };
    for (const send of ['json', 'form'] as const) {
      const create = await t.api('POST', '/api/projects', { [send]: { ...base, project_budget: 5 } });
      expect(create.status).toBe(422);
      expect(create.body).toEqual({ message: VALIDATION_MESSAGE, errors: { project_budget: [fieldNotAllowed('project_budget')] } });
      const update = await t.api('PATCH', `/api/projects/${project.id}`, { [send]: { project_title: 'x', project_budget: 5 } });
      expect(update.status).toBe(422);
      expect(update.body).toEqual({ message: VALIDATION_MESSAGE, errors: { project_budget: [fieldNotAllowed('project_budget')] } });
      // The client is set on create only.
      const client = await t.api('PATCH', `/api/projects/${project.id}`, { [send]: { project_clientid: f.client.id } });
      expect(client.body.errors).toEqual({ project_clientid: [fieldNotAllowed('project_clientid')] });
      const mixed = await t.api('POST', '/api/projects', { [send]: { zeta: 1, project_categoryid: 'three', project_title: '', alpha: 2, project_clientid: 'x' } });
      expect(Object.keys(mixed.body.errors)).toEqual(['project_date_start', 'zeta', 'alpha', 'project_clientid', 'project_title', 'project_categoryid']);
    }
    expect((await t.api('GET', `/api/projects/${project.id}`)).body.data.title).toBe(project.title);
  });

  it('a bad path id and a bad body reference together', async () => {
    const r = await t.api('POST', '/api/projects/0x10/timers', { json: { user_id: 999999 } });
    expect(r.status).toBe(422);
    expect(r.body.errors).toEqual({ id: [fieldType('id', ['integer'])], user_id: [invalidSelection('user_id')] });
  });
});

describe('a path id names a resource only in canonical decimal form', () => {
  // Every operation with a path id, from the spec: a new one is covered here without a change.
  const withPathIds = routes.filter((route) => route.parameters.some((p) => p.in === 'path'));
  /** Spellings of n that are not its canonical one (the space percent-encoded, as a client sends it). */
  const otherSpellings = (n: number) => [`0${n}`, `+${n}`, `${n}.0`, `${n}e0`, `%20${n}`];
  /** Existing rows, by the collection a path parameter indexes (the path segment before it). */
  let existing: Record<string, number>;

  /** Every table's rows by table, but the API keys' (their `last_used_at` records use, not a change). */
  async function snapshot(): Promise<Record<string, string>> {
    const tables = await t.db.prisma.$queryRaw<{ tablename: string }[]>`
      SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT IN ('api_keys', '_prisma_migrations')`;
    const rows = await t.db.prisma.$queryRawUnsafe<{ tablename: string; rows: string }[]>(tables.map(({ tablename }) =>
      `SELECT '${tablename}' AS tablename, coalesce(json_agg(r ORDER BY r::text), '[]')::text AS rows FROM "${tablename}" r`).join(' UNION ALL '));
    return Object.fromEntries(rows.map((row) => [row.tablename, row.rows]));
  }

  beforeAll(async () => {
    const project = await createProject(t, f);
    const comment = await t.api('POST', `/api/projects/${project.id}/comments`, { json: { comment_text: 'Kept', comment_creatorid: f.jane.id } });
    const field = await t.api('POST', '/api/custom-fields', { json: { custom_field_key: 'phase', custom_field_name: 'Phase', custom_field_type: 'single_select', custom_field_options: ['Build'] } });
    // A documentation address (TEST-NET-3): public, so accepted, and never contacted (no delivery runs here).
    const hook = await t.api('POST', '/api/webhooks', { json: { url: 'https://203.0.113.10/hook' } });
    const apiKey = await t.api('POST', '/api/api-keys', { json: { name: 'edge', role: 'viewer' } });
    for (const created of [comment, field, hook, apiKey]) expect(created.status, JSON.stringify(created.body)).toBe(201);
    // A delivery and a background duplication come from jobs that this file's server does not run: the rows are made directly.
    const event = await t.db.prisma.event.findFirstOrThrow({ where: { projectId: project.id } });
    const delivery = await t.db.prisma.webhookDelivery.create({ data: { subscriptionId: hook.body.data.id, eventId: event.id } });
    const duplication = await t.db.prisma.projectDuplication.create({ data: { sourceProjectId: project.id, total: 0, options: { project_title: 'Copy' }, apiKeyId: event.apiKeyId } });
    // A snapshot that missed the tables would compare equal whatever happened.
    expect(JSON.parse((await snapshot()).projects ?? '[]')).toContainEqual(expect.objectContaining({ id: project.id }));
    existing = {
      projects: project.id, comments: comment.body.data.id, 'custom-fields': field.body.data.id, webhooks: hook.body.data.id,
      deliveries: Number(delivery.id), 'project-duplications': duplication.id, clients: f.client.id, categories: f.category.id, users: f.jane.id,
      'api-keys': apiKey.body.data.id,
    };
  });

  it.each(withPathIds.map((route) => [`${route.method.toUpperCase()} ${route.specPath}`, route] as const))('%s: a 422 naming the parameter, nothing changed', async (_label, route) => {
    const segments = route.specPath.split('/');
    const idOf = (name: string) => {
      const collection = segments[segments.indexOf(`{${name}}`) - 1]!;
      const id = existing[collection];
      if (id === undefined) throw new Error(`No existing row for {${name}} of ${route.specPath}: add one for "${collection}" in beforeAll`);
      return id;
    };
    const pathWith = (name: string, spelling: string) => route.specPath.replace(/\{(\w+)\}/g, (_match, p: string) => (p === name ? spelling : String(idOf(p))));
    const body = exampleBody(route, f);
    const before = await snapshot();
    for (const { name } of route.parameters.filter((p) => p.in === 'path')) {
      for (const spelling of otherSpellings(idOf(name))) {
        const path = pathWith(name, spelling);
        // Upper case: fetch normalizes the case of the other methods, but not PATCH's.
        const r = await t.api(route.method.toUpperCase(), path, body ? { json: body } : {});
        expect(r.status, `${path}: ${JSON.stringify(r.body)}`).toBe(422);
        // Only the path parameter: the rest of the request is acceptable, so the id is what was refused.
        expect(r.body, path).toEqual({ message: VALIDATION_MESSAGE, errors: { [name]: [fieldType(name, ['integer'])] } });
      }
    }
    // The rows named by those spellings are still there, unchanged, and so is everything else.
    expect(await snapshot()).toEqual(before);
    // The canonical spelling does name them.
    if (route.method === 'get') expect((await t.api('GET', route.specPath.replace(/\{(\w+)\}/g, (_match, p: string) => String(idOf(p))))).status).toBe(200);
  });
});

describe('security headers', () => {
  it.each([
    ['a success', 'GET', '/api/projects', {}, 200],
    ['a 401', 'GET', '/api/projects', { auth: false }, 401],
    ['a 404', 'GET', '/api/projects/999999', {}, 404],
    ['a 422', 'GET', '/api/projects?limit=0', {}, 422],
    ['an unknown route', 'GET', '/api/nothing-here', {}, 404],
  ] as const)('every /api answer, %s too: nosniff, no-store, no framing', async (_label, method, path, options, status) => {
    const r = await t.api(method, path, options);
    expect(r.status).toBe(status);
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.headers.get('content-security-policy')).toBe("default-src 'none';frame-ancestors 'none'");
    expect(r.headers.get('x-powered-by')).toBeNull();
  });

  it('a 401 names the Bearer scheme and says how to send a key; other answers do not', async () => {
    for (const authorization of [undefined, 'Bearer gcp_unknown', 'Basic dXNlcjpwYXNz']) {
      const r = await t.api('POST', '/api/projects', { auth: false, headers: authorization ? { authorization } : {}, json: {} });
      expect(r.status).toBe(401);
      expect(r.body).toEqual({ message: UNAUTHORIZED_MESSAGE });
      expect(r.headers.get('www-authenticate')).toBe('Bearer error_description="Send a valid API key in the Authorization header: Authorization: Bearer <key>"');
    }
    expect((await t.api('GET', '/api/projects')).headers.get('www-authenticate')).toBeNull();
  });

  it('/docs may run only its own scripts and reach only this server', async () => {
    const r = await fetch(`${t.baseUrl}/docs`);
    expect(r.status).toBe(200);
    const directives = new Map((r.headers.get('content-security-policy') ?? '').split(';').map((d) => {
      const [name = '', ...values] = d.trim().split(/\s+/);
      return [name, values] as const;
    }));
    expect(directives.get('default-src')).toEqual(["'none'"]);
    expect(directives.get('connect-src')).toEqual(["'self'"]);
    expect(directives.get('img-src')).toEqual(["'self'", 'data:']);
    expect(directives.get('font-src')).toEqual(['data:']);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    // Only the page's inline scripts, by hash: neither 'unsafe-inline', 'unsafe-eval' nor any host.
    const scripts = directives.get('script-src') ?? [];
    expect(scripts.length).toBeGreaterThan(0);
    for (const source of scripts) expect(source).toMatch(/^'sha256-[A-Za-z0-9+/]+=*'$/);
  });

  it.each([
    ['/docs', 'text/html; charset=utf-8'],
    ['/openapi.json', 'application/json; charset=utf-8'],
    ['/openapi.yaml', 'application/yaml; charset=utf-8'],
  ])('%s is served compressed as the client accepts, revalidated by ETag', async (path, type) => {
    const plain = await fetch(`${t.baseUrl}${path}`, { headers: { 'accept-encoding': 'identity' } });
    const text = await plain.text();
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(plain.headers.get('content-type')).toBe(type);
    expect(plain.headers.get('cache-control')).toBe('no-cache');
    expect(plain.headers.get('vary')).toMatch(/Accept-Encoding/i);
    for (const encoding of ['br', 'gzip']) {
      // fetch decompresses what it asked for: the text is the same, the bytes on the wire far fewer.
      const r = await fetch(`${t.baseUrl}${path}`, { headers: { 'accept-encoding': encoding } });
      expect(r.headers.get('content-encoding')).toBe(encoding);
      expect(Number(r.headers.get('content-length'))).toBeLessThan(Buffer.byteLength(text) / 3);
      expect(await r.text()).toBe(text);
      const etag = r.headers.get('etag')!;
      expect(etag).toMatch(new RegExp(`^"[\\w-]+-${encoding}"$`));
      expect(etag).not.toBe(plain.headers.get('etag'));
      // A browser's revalidation; fetch() would add `Cache-Control: no-cache`, which asks for the whole answer.
      const again = await new Promise<IncomingMessage>((resolve, reject) => {
        httpGet(`${t.baseUrl}${path}`, { headers: { 'accept-encoding': encoding, 'if-none-match': etag } }, resolve).on('error', reject);
      });
      again.resume();
      expect(again.statusCode).toBe(304);
      expect(again.headers.etag).toBe(etag);
    }
  });

  it('GET / sends a browser to the documentation', async () => {
    const r = await fetch(`${t.baseUrl}/`, { redirect: 'manual' });
    expect(r.status).toBe(302);
    expect(r.headers.get('location')).toBe('/docs');
  });
});

describe('an instance with CORS_ORIGINS set, its log captured', () => {
  const origin = 'https://app.example.com';
  const lines: string[] = [];
  let cors: TestServer;
  beforeAll(async () => {
    cors = await startSibling(t, {
      env: { CORS_ORIGINS: `${origin}, http://localhost:5173` },
      logger: createLogger('info', { write: (line: string) => { lines.push(line); } }),
    });
  });
  afterAll(async () => { await cors?.close(); });

  const preflight = (server: TestServer, from: string) => fetch(`${server.baseUrl}/api/projects`, {
    method: 'OPTIONS',
    headers: { origin: from, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
  });

  describe('CORS', () => {
    it('a preflight from a listed origin is answered without a key', async () => {
      const r = await preflight(cors, origin);
      expect(r.status).toBe(204);
      expect(r.headers.get('access-control-allow-origin')).toBe(origin);
      expect(r.headers.get('access-control-allow-methods')).toContain('PATCH');
      expect(r.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
    });

    it('a request from a listed origin may read the answer, its request id and the headers of retries, versions, limits and background clones', async () => {
      const r = await cors.api('GET', '/api/projects', { headers: { origin: 'http://localhost:5173' } });
      expect(r.status).toBe(200);
      expect(r.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
      expect(r.headers.get('access-control-expose-headers')).toBe('X-Request-Id,ETag,Idempotent-Replayed,Retry-After,RateLimit,RateLimit-Policy,Location,Preference-Applied');
      // A clone's Prefer: respond-async may be sent from the browser.
      const asked = await fetch(`${cors.baseUrl}/api/projects/1/clone`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,prefer' },
      });
      expect(asked.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('prefer');
    });

    it('another origin gets no CORS headers, and a server without CORS_ORIGINS sends none to anyone', async () => {
      for (const r of [await preflight(cors, 'https://evil.example'), await preflight(t, origin), await fetch(`${t.baseUrl}/api/projects`, { headers: { origin, authorization: `Bearer ${t.key}` } })]) {
        expect(r.headers.get('access-control-allow-origin')).toBeNull();
      }
      // Without CORS a preflight is just an unauthenticated request.
      expect((await preflight(t, origin)).status).toBe(401);
    });
  });

  it('the request log holds no key, whether sent in a header or the URL', async () => {
    lines.length = 0;
    const key = cors.key;
    const paths = [
      `/api/projects?api_key=${key}`, `/api/projects?limit=5&key=${key}`, `/api/projects?token=${encodeURIComponent(key)}`,
      `/api/projects?access_token=abc123`, `/api/projects?search=${key}`, `/api/projects/${key}`, `/api/projects?${key}`,
    ];
    for (const path of paths) await cors.api('GET', path);
    await cors.api('GET', '/api/projects?limit=7');
    // A request's line is written once its answer has gone (vi.waitFor's default second is a guess).
    await until('a log line for each request', () => lines.filter((l) => l.includes('"msg":"request"')).length >= paths.length + 1);
    expect(lines.filter((l) => l.includes('"msg":"request"'))).toHaveLength(paths.length + 1);
    const logged = lines.join('');
    expect(logged).not.toContain(key);
    expect(logged).not.toContain(key.slice(4));
    expect(logged).not.toContain('abc123');
    const urls = lines.map((l) => JSON.parse(l) as { url?: string }).map((l) => l.url).filter(Boolean);
    expect(urls).toEqual(expect.arrayContaining([
      '/api/projects?api_key=[REDACTED]', '/api/projects?limit=5&key=[REDACTED]', '/api/projects?token=[REDACTED]',
      '/api/projects?access_token=[REDACTED]', '/api/projects?search=[REDACTED]', '/api/projects/[REDACTED]', '/api/projects?[REDACTED]',
      '/api/projects?limit=7',
    ]));
  });
});
