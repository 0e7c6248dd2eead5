// Property tests: bodies generated from the spec's schemas are accepted and read back as written;
// bodies broken in one field are refused with 422 on that field and leave the database unchanged.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { components } from '../../../generated/api-types.ts';
import type { Project as ProjectRow } from '../../../generated/prisma/client.ts';
import { loadSpec, resolveSchema, type JsonSchema } from '../../../server/contract/spec.ts';
import { bodiesFor, schemaNamed } from '../../helpers/arbitraries.ts';
import { useTestServer } from '../../helpers/server.ts';

const { t, f } = useTestServer();

const runs = Number(process.env.PROPERTY_RUNS ?? 60);
const doc = loadSpec();
/** Valid create bodies: references drawn from existing rows, due never before start. */
function validCreateBodies() {
  return bodiesFor('ProjectCreateBody', {
    project_clientid: fc.constantFrom(f.client.id, f.otherClient.id),
    project_categoryid: fc.constantFrom(f.category.id, f.otherCategory.id),
    project_creatorid: fc.constantFrom(f.jane.id, f.sam.id),
    // Hundredths of an hour: more decimals are refused (handlers/checks.ts).
    project_billing_estimated_hours: fc.integer({ min: 0, max: 100_000_000 }).map((hundredths) => hundredths / 100),
  }).map((generated) => {
    // A client project names its client; an internal one has none.
    // No custom fields are defined here: the custom-fields tests send values.
    const { project_clientid, project_custom_fields: _values, ...rest } = generated;
    const body: Record<string, unknown> = rest.project_type === 'internal' ? rest : { ...rest, project_clientid: project_clientid ?? f.client.id };
    const due = body.project_date_due as string | null | undefined;
    if (due && due < (body.project_date_start as string)) {
      return { ...body, project_date_start: due, project_date_due: body.project_date_start };
    }
    return body;
  });
}

type CreateBody = components['schemas']['ProjectCreateBody'];
type Project = components['schemas']['Project'];
/** The dotted paths of the project object's fields (`billing.rate`, `client.id`, …). */
type FieldPath<T> = { [K in keyof T & string]: T[K] extends unknown[] ? K : NonNullable<T[K]> extends object ? `${K}.${FieldPath<NonNullable<T[K]>>}` : K }[keyof T & string];

/**
 * Where each create-body field reads back, over every field of the generated body type (a field added
 * to the spec does not compile until it is placed), and the value a field the body leaves out takes.
 * How the value reads there is derived from the two fields' schemas in the spec (expectedValue).
 */
const readBackAt = {
  project_clientid: { at: 'client.id' },
  project_creatorid: { column: 'creatorId' }, // not part of the project object: checked on the row
  project_title: { at: 'title' },
  project_type: { at: 'project_type', absent: 'client' },
  project_custom_fields: { checkedIn: 'test/api/projects/custom-fields.test.ts' }, // needs fields defined first
  project_date_start: { at: 'dates.start' },
  project_date_due: { at: 'dates.due' },
  project_categoryid: { at: 'category.id' },
  project_description: { at: 'description' },
  project_reference: { at: 'reference' },
  project_billing_type: { at: 'billing.type', absent: 'hourly' },
  project_billing_rate: { at: 'billing.rate', absent: 0 },
  project_billing_estimated_hours: { at: 'billing.estimated_hours', absent: 0 },
  project_billing_costs_estimate: { at: 'billing.costs_estimate', absent: 0 },
  project_progress_manually: { at: 'progress_manually', absent: 'off' },
  clientperm_tasks_view: { at: 'permissions.clientperm_tasks_view', absent: 'off' },
  clientperm_tasks_collaborate: { at: 'permissions.clientperm_tasks_collaborate', absent: 'off' },
  clientperm_tasks_create: { at: 'permissions.clientperm_tasks_create', absent: 'off' },
  clientperm_timesheets_view: { at: 'permissions.clientperm_timesheets_view', absent: 'off' },
  clientperm_expenses_view: { at: 'permissions.clientperm_expenses_view', absent: 'off' },
  assignedperm_tasks_collaborate: { at: 'permissions.assignedperm_tasks_collaborate', absent: 'off' },
  project_is_template: { at: 'is_template', absent: 'off' },
} satisfies { [F in keyof CreateBody]-?: { at: FieldPath<Project>; absent?: NonNullable<CreateBody[F]> } | { column: keyof ProjectRow } | { checkedIn: string } };

const createBodySchema = schemaNamed('ProjectCreateBody');
const bodyField = (field: string) => resolveSchema(doc, createBodySchema.properties![field])!;
function projectField(path: string) {
  let schema = resolveSchema(doc, schemaNamed('Project'))!;
  for (const segment of path.split('.')) schema = resolveSchema(doc, schema.properties![segment])!;
  return schema;
}
const nullable = (schema: JsonSchema) => Array.isArray(schema.type) && schema.type.includes('null');

/**
 * What the project shows for a body field's value, from the two schemas: an enum answers the value
 * at the same position of its own enum (`on`/`off` → `yes`/`no`), or as a boolean (`on` → true); a string with two decimals
 * (Money) or a number shows an amount kept to two decimals; a nullable field left out, or sent
 * empty in a form, is null.
 */
function expectedValue(field: keyof CreateBody, at: string, sent: unknown, viaForm: boolean): unknown {
  const input = bodyField(field);
  const output = projectField(at);
  const value = sent === undefined ? (readBackAt[field] as { absent?: unknown }).absent : sent;
  if (value === undefined || (viaForm && value === '' && nullable(input))) return null;
  if (value === null) return null;
  if (Array.isArray(output.enum) && Array.isArray(input.enum)) return output.enum[input.enum.indexOf(value)];
  // An on/off flag shown as a JSON boolean (`is_template`).
  if (output.type === 'boolean' && Array.isArray(input.enum)) return value === 'on';
  if (typeof value === 'number' && output.type === 'string' && output.pattern) return value.toFixed(2);
  if (typeof value === 'number' && output.type === 'number') return Number(value.toFixed(2));
  return value;
}

/** What the project object must say for a body that was accepted: every field the spec's body has. */
function expectedProject(body: Record<string, unknown>, viaForm: boolean) {
  const expected: Record<string, unknown> = {};
  for (const field of Object.keys(createBodySchema.properties!) as (keyof CreateBody)[]) {
    const place = readBackAt[field];
    if (!('at' in place)) continue;
    const segments = place.at.split('.');
    let node = expected;
    for (const segment of segments.slice(0, -1)) node = (node[segment] ??= {}) as Record<string, unknown>;
    node[segments.at(-1)!] = expectedValue(field, place.at, body[field], viaForm);
  }
  if (body.project_type === 'internal') expected.client = null;
  return expected;
}

const send = (body: unknown, viaForm: boolean) => (viaForm ? { form: body as Record<string, string> } : { json: body });

describe('createProject properties', () => {
  it('accepts every valid body, as JSON or form, and reads back what was written', async () => {
    await fc.assert(fc.asyncProperty(validCreateBodies(), fc.boolean(), async (body, viaForm) => {
      const created = await t.api('POST', '/api/projects', send(body, viaForm));
      expect(created.status, JSON.stringify({ body, viaForm, answer: created.body })).toBe(201);
      const read = await t.api('GET', `/api/projects/${created.body.data.id}`);
      expect(read.body.data).toEqual(created.body.data);
      expect(read.body.data).toMatchObject(expectedProject(body, viaForm));
      const row = await t.db.prisma.project.findFirstOrThrow({ where: { id: created.body.data.id } });
      if (body.project_creatorid !== undefined) expect(row[readBackAt.project_creatorid.column]).toBe(body.project_creatorid);
    }), { numRuns: runs });
  });

  const required = createBodySchema.required as string[];
  // The fields of each kind, from the spec: a field added there is broken here too.
  const typeOf = (schema: JsonSchema) => [schema.type].flat().find((type) => type !== 'null');
  const fieldsWhere = (test: (schema: JsonSchema) => boolean) => Object.keys(createBodySchema.properties!).filter((field) => test(bodyField(field)));
  const breakages: fc.Arbitrary<{ field: string; value?: unknown; drop?: boolean }> = fc.oneof(
    fc.constantFrom(...required).map((field) => ({ field, drop: true })),
    fc.constantFrom(...fieldsWhere((f) => typeOf(f) === 'integer')).chain((field) =>
      fc.oneof(fc.constant('x'), fc.constant(0), fc.constant(2147483648), fc.constant(1.5), fc.constant(999999)).map((value) => ({ field, value }))),
    // An empty nullable date is no breakage: in JSON as in a form, it clears the date.
    fc.constantFrom(...fieldsWhere((f) => f.format === 'date')).chain((field) =>
      fc.oneof(fc.constant('2026-02-30'), fc.constant('01/06/2026'), fc.string({ maxLength: 12 }).filter((s) => !/^\d{4}-\d\d-\d\d$/.test(s) && (s !== '' || !nullable(bodyField(field))))).map((value) => ({ field, value }))),
    fc.constantFrom(...fieldsWhere((f) => Array.isArray(f.enum))).map((field) => ({ field, value: 'maybe' })),
    fc.constantFrom(...fieldsWhere((f) => typeOf(f) === 'number')).chain((field) =>
      fc.oneof(fc.constant(-0.01), fc.constant(1e12), fc.constant('ten')).map((value) => ({ field, value }))),
    fc.constantFrom(...fieldsWhere((f) => typeOf(f) === 'string' && !f.format && !f.enum)).chain((field) =>
      fc.oneof(fc.constant('a\u0000b'), fc.constant('\ud800'), fc.constant('x'.repeat(20001)), fc.constant(42)).map((value) => ({ field, value }))),
    fc.string({ minLength: 1, maxLength: 20 }).filter((k) => !(k in createBodySchema.properties!) && !/[[\]]/.test(k))
      .map((field) => ({ field, value: 'unexpected' })),
  );

  it('refuses a body broken in one field with 422 on that field, and writes nothing', async () => {
    await fc.assert(fc.asyncProperty(validCreateBodies(), breakages, async (valid, breakage) => {
      const body: Record<string, unknown> = { ...valid };
      if (breakage.drop) delete body[breakage.field];
      else body[breakage.field] = breakage.value;
      const before = await t.db.prisma.project.count();
      const answer = await t.api('POST', '/api/projects', { json: body });
      expect(answer.status, JSON.stringify({ body, answer: answer.body })).toBe(422);
      expect(Object.keys(answer.body.errors)).toContain(breakage.field);
      expect(await t.db.prisma.project.count()).toBe(before);
    }), { numRuns: runs });
  });
});

describe('action properties', () => {
  it('assign and tags store exactly the set sent, in any order, with repeats counted once', async () => {
    const { id } = (await t.api('POST', '/api/projects', { json: { project_clientid: f.client.id, project_categoryid: f.category.id, project_title: 'p', project_date_start: '2026-01-01' } })).body.data;
    const users = [f.jane.id, f.sam.id, 1];
    await fc.assert(fc.asyncProperty(
      fc.array(fc.constantFrom(...users), { maxLength: 6 }),
      bodiesFor('TagsBody').map((b) => b.tags as string[]),
      fc.boolean(),
      async (assigned, tags, viaForm) => {
        const a = await t.api('PUT', `/api/projects/${id}/assign`, send({ assigned }, viaForm));
        expect(a.body.data.assigned.map((u: { id: number }) => u.id)).toEqual([...new Set(assigned)].sort((x, y) => x - y));
        const g = await t.api('PUT', `/api/projects/${id}/tags`, send({ tags }, viaForm));
        expect(g.status, JSON.stringify(tags)).toBe(200);
        expect(g.body.data.tags).toEqual([...new Set(tags)]);
      },
    ), { numRuns: runs });
  });
});
