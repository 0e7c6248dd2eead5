// The contract itself, read in this process: the spec's own rules, and a handler for each operationId.
// What takes other processes (redocly lint, regenerating, tsc on the generated types): test/system/contract.test.ts.
import { describe, expect, it } from 'vitest';
import { handlers } from '../../../server/http/operations.ts';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { composedSchema, listOperations, loadSpec, requiredScope, resolveSchema, typesOf, type JsonSchema } from '../../../server/contract/spec.ts';
import { grantedScopes, listedScopeErrors, ROLE_SCOPES, SCOPES } from '../../../server/core/access.ts';
import { projectRoot } from '../../../server/platform/project-root.ts';
import { spec, operations } from '../../helpers/spec.ts';

describe('openapi/projects.yaml', () => {
  it('gives every operation a verb-noun camelCase operationId, summary, description, tag, examples and errors', () => {
    expect(operations.length).toBeGreaterThanOrEqual(35);
    for (const op of operations) {
      expect(op.operationId, `${op.method} ${op.path}`).toMatch(/^[a-z]+[A-Z][A-Za-z]*$/);
      expect(op.summary, op.operationId).toBeTruthy();
      expect(op.description, op.operationId).toBeTruthy();
      expect(op.tags?.length, op.operationId).toBe(1);
      const codes = Object.keys(op.responses);
      expect(codes, op.operationId).toEqual(expect.arrayContaining(['401', '422', '500', '503']));
      const success = codes.find((c) => c.startsWith('2'))!;
      const media = op.responses[success]!.content!['application/json']!;
      expect(media.example ?? media.examples, `${op.operationId} success example`).toBeTruthy();
      if (op.requestBody) {
        expect(Object.keys(op.requestBody.content).sort()).toEqual(['application/json', 'application/x-www-form-urlencoded']);
        for (const m of Object.values(op.requestBody.content)) expect(m.example, op.operationId).toBeTruthy();
        expect(codes, op.operationId).toEqual(expect.arrayContaining(['400', '413', '415']));
      }
      if (op.path.includes('{id}')) expect(codes, op.operationId).toContain('404');
    }
  });

  it('declares rate limits on every operation, Idempotency-Key on every write, versions on project answers', () => {
    type Declared = { parameters?: { $ref?: string }[]; responses: Record<string, { $ref?: string; headers?: Record<string, unknown> }> };
    for (const op of operations) {
      const { parameters = [], responses } = op as unknown as Declared;
      const refs = parameters.map((p) => p.$ref);
      const success = Object.keys(responses).find((c) => c.startsWith('2'))!;
      const headers = Object.keys(responses[success]!.headers ?? {});
      expect(responses['429']?.$ref, op.operationId).toBe('#/components/responses/TooManyRequests');
      expect(headers, op.operationId).toEqual(expect.arrayContaining(['RateLimit', 'RateLimit-Policy']));
      // A ping changes nothing (sending it twice is harmless) and must not hold a transaction open
      // while it waits for the receiver: it takes no Idempotency-Key.
      if (op.method !== 'get' && op.operationId !== 'pingWebhook') {
        expect(refs, op.operationId).toContain('#/components/parameters/IdempotencyKey');
        expect(Object.keys(responses), op.operationId).toContain('409');
        expect(headers, op.operationId).toContain('Idempotent-Replayed');
      }
      // PATCH and the PUT actions of a project are conditional on its version.
      if (op.path.startsWith('/api/projects/{id}') && ['put', 'patch'].includes(op.method)) {
        expect(refs, op.operationId).toContain('#/components/parameters/IfMatch');
        expect(Object.keys(responses), op.operationId).toContain('412');
        expect(headers, op.operationId).toContain('ETag');
      }
    }
  });

  it('has every Grow CRM project operation', () => {
    const ids = operations.map((o) => o.operationId);
    expect(ids).toEqual(expect.arrayContaining([
      'listProjects', 'getProject', 'createProject', 'updateProject', 'deleteProject', 'assignProject',
      'setProjectManager', 'changeProjectStatus', 'updateProjectProgress', 'setProjectTags', 'archiveProject',
      'restoreProject', 'stopProjectTimers', 'cloneProject',
    ]));
  });

  it('answers through named envelopes, each operation with its own message', () => {
    type Part = { $ref?: string; required?: string[]; properties?: { message?: { const?: unknown } } };
    const envelopes = new Set<string>();
    for (const op of operations) {
      const success = Object.keys(op.responses).find((c) => c.startsWith('2'))!;
      const schema = op.responses[success]!.content!['application/json']!.schema as { allOf?: Part[] };
      const [envelope, own, ...rest] = schema.allOf ?? [];
      expect(envelope?.$ref, op.operationId).toMatch(/^#\/components\/schemas\/\w+(Envelope|Page)$/);
      expect(own, op.operationId).toEqual({ required: ['message'], properties: { message: { const: expect.stringMatching(/ successfully\.$/) } } });
      expect(rest, op.operationId).toEqual([]);
      envelopes.add(envelope!.$ref!);
    }
    // Shared: fewer envelopes than operations (nine project answers are one ProjectEnvelope).
    expect(envelopes.size).toBeLessThan(operations.length);
  });

  const doc = loadSpec();
  const schemaRef = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });

  it('derives both project bodies from the shared ProjectFields', () => {
    const fields = Object.keys(doc.components.schemas.ProjectFields!.properties!);
    expect(fields.length).toBeGreaterThanOrEqual(18);
    expect(Object.keys(composedSchema(doc, schemaRef('ProjectUpdateBody'))!.properties!)).toEqual(fields);
    // Create names its required fields beside its `required` list too (for generators), so compare as sets.
    expect(Object.keys(composedSchema(doc, schemaRef('ProjectCreateBody'))!.properties!).sort()).toEqual(['project_type', 'project_clientid', ...fields].sort());
    for (const name of ['ProjectUpdateBody', 'ProjectCreateBody']) {
      expect(doc.components.schemas[name]!.unevaluatedProperties, name).toBe(false);
      expect(doc.components.schemas[name]!.additionalProperties, name).toBeUndefined();
    }
  });

  it('declares the encoding of every array field of a form body (`assigned[]=5`, `task_files[0][file_name]=…`)', () => {
    let arrays = 0;
    for (const { operation } of listOperations(doc)) {
      const form = operation.requestBody?.content['application/x-www-form-urlencoded'] as { schema?: JsonSchema; encoding?: Record<string, unknown> } | undefined;
      if (!form) continue;
      for (const [name, property] of Object.entries(composedSchema(doc, form.schema)?.properties ?? {})) {
        const schema = resolveSchema(doc, property);
        if (!typesOf(schema).includes('array')) continue;
        arrays++;
        const ofObjects = typesOf(resolveSchema(doc, schema!.items)).includes('object');
        expect(form.encoding?.[name], `${operation.operationId} ${name}`).toEqual({ style: ofObjects ? 'deepObject' : 'form', explode: true });
      }
    }
    expect(arrays).toBeGreaterThanOrEqual(4);
  });

  it('declares every required property beside its `required` list, where every generator applies it', () => {
    // @hey-api/openapi-ts drops the names of a `required` list whose properties come from elsewhere
    // (an `allOf` part), and the generated field turns optional.
    const misplaced: string[] = [];
    const walk = (node: unknown, at: string): void => {
      if (!node || typeof node !== 'object') return;
      const schema = node as JsonSchema;
      if (Array.isArray(schema.required) && (schema.allOf || schema.$ref)) {
        for (const name of schema.required as string[]) if (!schema.properties?.[name]) misplaced.push(`${at} ${name}`);
      }
      for (const [key, value] of Object.entries(node)) walk(value, `${at}/${key}`);
    };
    walk(spec, '#');
    expect(misplaced).toEqual([]);
  });

  it('spells out every field and operator of the filter grammar as a parameter of its own, as generated clients send it', () => {
    const schemas = doc.components.schemas;
    const expected = Object.entries(schemas.ProjectFilterConditions!.properties!).flatMap(([field, property]) => {
      const operators = schemas[(property as JsonSchema).allOf![0]!.$ref!.replace('#/components/schemas/', '')]!.properties!;
      return Object.entries(operators).map(([operator, schema]) => {
        const list = typesOf(schema as JsonSchema).includes('array');
        return { name: `filter[${field}][${operator}]`, in: 'query', allowReserved: true, ...(list ? { style: 'form', explode: true } : {}), schema };
      });
    });
    const { parameters } = operations.find((op) => op.operationId === 'listProjects') as unknown as { parameters: { name?: string; description?: string }[] };
    const spelled = parameters.filter((p) => p.name?.startsWith('filter[')).map(({ description: _description, ...parameter }) => parameter);
    expect(spelled).toEqual(expected);
  });

  it('describes nullable fields with type arrays, never oneOf with null', () => {
    const text = JSON.stringify(spec);
    expect(text).not.toMatch(/"oneOf":\[[^\]]*"null"/);
    expect(text).toMatch(/"type":\["string","null"\]/);
  });
});

describe('handlers', () => {
  it('exist for exactly the operationIds of the spec, each named after its operationId', () => {
    const ids = operations.map((o) => o.operationId).sort();
    expect(Object.keys(handlers).sort()).toEqual(ids);
    for (const [id, handler] of Object.entries(handlers)) expect(handler.name, id).toBe(id);
  });
});

describe('access', () => {
  it('gives every operation one scope of its area, read for reads and write for changes; only getMe needs none', () => {
    for (const { method, operation } of listOperations(loadSpec())) {
      const scope = requiredScope(operation);
      if (operation.operationId === 'getMe') {
        expect(scope).toBeUndefined();
        continue;
      }
      expect(SCOPES, operation.operationId).toContain(scope);
      expect(scope!.endsWith(method === 'get' ? ':read' : ':write'), `${operation.operationId}: ${scope}`).toBe(true);
    }
  });

  it('lets a viewer read everything, a member also change the work, an admin everything', () => {
    expect(ROLE_SCOPES.admin).toEqual(SCOPES);
    expect(ROLE_SCOPES.viewer).toEqual(SCOPES.filter((scope) => scope.endsWith(':read')));
    expect(ROLE_SCOPES.member).toEqual(expect.arrayContaining(['projects:write', 'clients:write', 'categories:write', 'team:read']));
    expect(ROLE_SCOPES.member).not.toContain('team:write');
    expect(ROLE_SCOPES.member).not.toContain('api_keys:write');
  });

  it('narrows a role by the key\'s own scopes, never widens it; write includes read', () => {
    expect([...grantedScopes('admin', ['*:read'])]).toEqual(SCOPES.filter((scope) => scope.endsWith(':read')));
    expect([...grantedScopes('member', ['projects:write'])]).toEqual(['projects:read', 'projects:write']);
    expect([...grantedScopes('viewer', ['projects:write'])]).toEqual(['projects:read']);
    expect([...grantedScopes('viewer', ['webhooks:write'])]).toEqual(['webhooks:read']);
    expect(grantedScopes('member', []).size).toBe(ROLE_SCOPES.member.length);
  });

  it('names what is wrong with each scope a new key lists', () => {
    const errors = listedScopeErrors('viewer', ['nothing:read', 'webhooks:write', 'projects:read', 'clients:read'], new Set(['projects:read', 'projects:write'] as const));
    expect([...errors]).toEqual([
      [0, expect.stringContaining('names no area')],
      [1, 'The role viewer does not grant the scope webhooks:write.'],
      [3, 'The scope clients:read grants more than this API key may do itself.'],
    ]);
    expect([...listedScopeErrors('member', ['*:read', 'projects:write'], new Set(SCOPES))]).toEqual([]);
  });
});

describe('the database layer', () => {
  it('never uses Prisma\'s findUnique: it batches lookups of concurrent requests into one statement, in one organization', () => {
    const sources = readdirSync(join(projectRoot, 'server'), { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts'));
    const users = sources.filter((file) => /\.findUnique(OrThrow)?\(/.test(readFileSync(join(projectRoot, 'server', file), 'utf8')));
    expect(users).toEqual([]);
  });
});
