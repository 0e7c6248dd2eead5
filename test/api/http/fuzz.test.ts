// Nothing a client sends yields a 5xx: arbitrary JSON bodies, form bodies and query strings against
// every operation. Every answer is also checked against the contract by the request helper.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { routes } from '../../helpers/contract.ts';
import { createProject, useTestServer } from '../../helpers/server.ts';

const { t, f } = useTestServer();
const runs = Number(process.env.FUZZ_RUNS ?? 15);
let projectId: number;
beforeAll(async () => { projectId = (await createProject(t, f)).id; });

/** The operation's path with its ids filled in by an existing project (so handlers run past the 404). */
const pathOf = (specPath: string) => specPath.replace('{id}', String(specPath.startsWith('/api/projects/') ? projectId : f.client.id));

const anyText = fc.string({ unit: 'binary', maxLength: 40 });
const formBody = fc.array(fc.tuple(fc.oneof(anyText, fc.constantFrom('assigned[]', 'tags[]', 'task_files[0][file_url]', 'manager', 'project_title')), anyText), { maxLength: 8 })
  .map((pairs) => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&'));
const queryString = fc.array(fc.tuple(fc.oneof(anyText, fc.constantFrom('limit', 'page', 'sort', 'order', 'search', 'status', 'client_id', 'after', 'fields', 'overdue', 'updated_since',
  'filter[status][in][]', 'filter[or][0][tag][eq]', 'filter[progress][gt]', 'filter[and][0][date_due][lt]', 'filter[title]')), anyText), { maxLength: 6 })
  .map((pairs) => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&'));

describe('fuzzing the project list cursor', () => {
  it('listProjects: a forged after cursor is a 422, never a 5xx', async () => {
    const sorts = ['project_title', 'project_status', 'project_date_due', 'project_created', 'project_progress', 'project_updated', 'client_company_name'];
    const value = fc.oneof(anyText, fc.integer(), fc.constant(null), fc.date({ noInvalidDate: true }).map((d) => d.toISOString().replace('Z', '000Z')));
    const cursor = fc.record({
      s: fc.oneof(fc.constantFrom(...sorts, 'constructor', '__proto__', 'toString'), anyText),
      o: fc.oneof(fc.constantFrom('asc', 'desc'), anyText),
      v: fc.oneof(fc.array(value, { maxLength: 3 }), value),
      id: fc.oneof(fc.integer(), anyText),
    }, { requiredKeys: [] });
    await fc.assert(fc.asyncProperty(cursor, async (forged) => {
      const after = Buffer.from(JSON.stringify(forged)).toString('base64url');
      const sort = sorts.includes(String(forged.s)) ? String(forged.s) : 'project_created';
      const order = forged.o === 'asc' ? 'asc' : 'desc';
      const answer = await t.api('GET', `/api/projects?sort=${sort}&order=${order}&after=${after}`);
      expect(answer.status, JSON.stringify({ forged, answer: answer.body })).toBeLessThan(500);
    }), { numRuns: runs * 20 });
  });
});

describe('fuzzing every operation', () => {
  for (const route of routes) {
    const { operationId } = route.operation;
    it(`${operationId}: never a 5xx`, async () => {
      // DELETE removes its project: give each run its own, so that later operations keep a live one.
      const path = async () => route.method === 'delete' ? `/api/projects/${(await createProject(t, f)).id}` : pathOf(route.specPath);
      await fc.assert(fc.asyncProperty(fc.jsonValue({ maxDepth: 4 }), formBody, queryString, async (json, form, query) => {
        const method = route.method.toUpperCase();
        const answers = [await t.api(method, `${await path()}?${query}`)];
        if (route.operation.requestBody) {
          answers.push(await t.api(method, await path(), { headers: { 'content-type': 'application/json' }, form: JSON.stringify(json) }));
          answers.push(await t.api(method, await path(), { form }));
        }
        for (const answer of answers) expect(answer.status, JSON.stringify({ json, form, query, answer: answer.body })).toBeLessThan(500);
      }), { numRuns: runs });
    });
  }
});
