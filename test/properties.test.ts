// Property tests: bodies generated from the spec's schemas are accepted and read back as written;
// bodies broken in one field are refused with 422 on that field and leave the database unchanged.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bodiesFor, schemaNamed } from './helpers/arbitraries.ts';
import { useTestServer } from './helpers/server.ts';

const { t, f } = useTestServer();

const runs = Number(process.env.PROPERTY_RUNS ?? 60);
const money = (n: unknown) => (n as number).toFixed(2);
const flag = (v: unknown) => (v === 'on' ? 'yes' : 'no');

/** Valid create bodies: references drawn from existing rows, due never before start. */
function validCreateBodies() {
  return bodiesFor('ProjectCreateBody', {
    project_clientid: fc.constantFrom(f.client.id, f.otherClient.id),
    project_categoryid: fc.constantFrom(f.category.id, f.otherCategory.id),
    project_creatorid: fc.constantFrom(f.jane.id, f.sam.id),
    // Hundredths of an hour: more decimals are refused (handlers/checks.ts).
    project_billing_estimated_hours: fc.integer({ min: 0, max: 100_000_000 }).map((hundredths) => hundredths / 100),
  }).map((body) => {
    const due = body.project_date_due as string | null | undefined;
    if (due && due < (body.project_date_start as string)) {
      return { ...body, project_date_start: due, project_date_due: body.project_date_start };
    }
    return body;
  });
}

/** What the project object must say for a body that was accepted. In a form, '' means null. */
function expectedProject(body: Record<string, unknown>, viaForm: boolean) {
  const text = (v: unknown) => (v === undefined ? null : viaForm && v === '' ? null : v);
  return {
    title: body.project_title,
    description: text(body.project_description),
    reference: text(body.project_reference),
    client: { id: body.project_clientid },
    category: { id: body.project_categoryid },
    dates: { start: body.project_date_start, due: text(body.project_date_due) },
    billing: {
      type: body.project_billing_type ?? 'hourly',
      rate: body.project_billing_rate === undefined ? '0.00' : money(body.project_billing_rate),
      estimated_hours: body.project_billing_estimated_hours === undefined ? 0 : Number(money(body.project_billing_estimated_hours)),
      costs_estimate: body.project_billing_costs_estimate === undefined ? '0.00' : money(body.project_billing_costs_estimate),
    },
    progress_manually: flag(body.project_progress_manually),
    permissions: {
      clientperm_tasks_view: flag(body.clientperm_tasks_view),
      clientperm_tasks_collaborate: flag(body.clientperm_tasks_collaborate),
      clientperm_tasks_create: flag(body.clientperm_tasks_create),
      clientperm_timesheets_view: flag(body.clientperm_timesheets_view),
      clientperm_expenses_view: flag(body.clientperm_expenses_view),
      assignedperm_tasks_collaborate: flag(body.assignedperm_tasks_collaborate),
    },
  };
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
    }), { numRuns: runs });
  });

  const required = schemaNamed('ProjectCreateBody').required as string[];
  const breakages: fc.Arbitrary<{ field: string; value?: unknown; drop?: boolean }> = fc.oneof(
    fc.constantFrom(...required).map((field) => ({ field, drop: true })),
    fc.constantFrom('project_clientid', 'project_categoryid', 'project_creatorid').chain((field) =>
      fc.oneof(fc.constant('x'), fc.constant(0), fc.constant(2147483648), fc.constant(1.5), fc.constant(999999)).map((value) => ({ field, value }))),
    // An empty due date is no breakage: in JSON as in a form, it clears the (nullable) date.
    fc.constantFrom('project_date_start', 'project_date_due').chain((field) =>
      fc.oneof(fc.constant('2026-02-30'), fc.constant('01/06/2026'), fc.string({ maxLength: 12 }).filter((s) => !/^\d{4}-\d\d-\d\d$/.test(s) && (s !== '' || field === 'project_date_start'))).map((value) => ({ field, value }))),
    fc.constantFrom('project_billing_type', 'project_progress_manually', 'clientperm_tasks_view').map((field) => ({ field, value: 'maybe' })),
    fc.constantFrom('project_billing_rate', 'project_billing_estimated_hours').chain((field) =>
      fc.oneof(fc.constant(-0.01), fc.constant(1e12), fc.constant('ten')).map((value) => ({ field, value }))),
    fc.constantFrom('project_title', 'project_description').chain((field) =>
      fc.oneof(fc.constant('a\u0000b'), fc.constant('\ud800'), fc.constant('x'.repeat(20001)), fc.constant(42)).map((value) => ({ field, value }))),
    fc.string({ minLength: 1, maxLength: 20 }).filter((k) => !(k in (schemaNamed('ProjectCreateBody').properties ?? {})) && !/[[\]]/.test(k))
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
