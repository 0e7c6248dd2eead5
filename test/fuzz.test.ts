// Nothing a client sends yields a 5xx: arbitrary JSON bodies, form bodies and query strings against
// every operation. Every answer is also checked against the contract by the request helper.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { routes } from './helpers/contract.ts';
import { createProject, useTestServer } from './helpers/server.ts';

const { t, f } = useTestServer();
const runs = Number(process.env.FUZZ_RUNS ?? 15);
let projectId: number;
beforeAll(async () => { projectId = (await createProject(t, f)).id; });

/** The operation's path with its ids filled in by an existing project (so handlers run past the 404). */
const pathOf = (specPath: string) => specPath.replace('{id}', String(specPath.startsWith('/api/projects/') ? projectId : f.client.id));

const anyText = fc.string({ unit: 'binary', maxLength: 40 });
const formBody = fc.array(fc.tuple(fc.oneof(anyText, fc.constantFrom('assigned[]', 'tags[]', 'task_files[0][file_url]', 'manager', 'project_title')), anyText), { maxLength: 8 })
  .map((pairs) => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&'));
const queryString = fc.array(fc.tuple(fc.oneof(anyText, fc.constantFrom('limit', 'page', 'sort', 'order', 'search', 'status', 'client_id')), anyText), { maxLength: 6 })
  .map((pairs) => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&'));

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
