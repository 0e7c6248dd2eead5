// The README's curl examples (the documentation's own lines, host and key aside) run verbatim
// against a server holding the demo data of `npm run db:seed`.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedDataDir } from '../helpers/process.ts';
import { startTestServer, untilFeedCaughtUp, type TestServer } from '../helpers/server.ts';
import { operations } from '../helpers/spec.ts';

const run = promisify(execFile);
let t: TestServer;
let pgliteDataDir: string;

// The seed goes to a migrated embedded directory of its own (as after `npm run db:migrate`), or on
// PostgreSQL to this file's own database, as fresh (test/helpers/file-database.ts).
beforeAll(async () => {
  pgliteDataDir = await migratedDataDir();
  const seeded = await run('node_modules/.bin/tsx', ['scripts/db-seed.ts'], { env: { ...process.env, PGLITE_DATA_DIR: pgliteDataDir } });
  expect(seeded.stdout).toContain('Seeded 12 clients, 4 categories, 7 team users and 45 projects.');
  t = await startTestServer({ pgliteDataDir });
});
afterAll(async () => { await t?.close(); });

function readmeCurlCommands(heading = '## Calling the API with curl'): string[] {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf(heading));
  const block = /```bash\n([\s\S]*?)```/.exec(section)![1]!;
  return block.split(/\n\s*\n/).map((c) => c.trim()).filter(Boolean);
}

/**
 * Runs a section's commands in order, each answer's `meta.next_cursor` standing in for NEXT_CURSOR
 * in the next command; every one must answer 200 (or the status given for it). Returns the bodies.
 */
async function runChained(heading: string, statuses: number[] = []): Promise<any[]> {
  const bodies: any[] = [];
  for (const [index, command] of readmeCurlCommands(heading).entries()) {
    const cursor = bodies.at(-1)?.meta?.next_cursor ?? '';
    const script = `curl() { command curl -s -w '\\n%{http_code}' "$@"; }\n${command
      .replaceAll('http://localhost:3000', t.baseUrl).replaceAll('YOUR_API_KEY', t.key).replaceAll('NEXT_CURSOR', cursor)}`;
    const { stdout } = await run('bash', ['-c', script]);
    const lines = stdout.trimEnd().split('\n');
    expect(Number(lines.pop()), `${command}: ${lines.join('\n')}`).toBe(statuses[index] ?? 200);
    bodies.push(JSON.parse(lines.join('\n')));
  }
  return bodies;
}

describe('README curl examples on the seeded demo data', () => {
  it('db:seed refuses a database that already holds data', async () => {
    await expect(run('node_modules/.bin/tsx', ['scripts/db-seed.ts'], { env: { ...process.env, PGLITE_DATA_DIR: pgliteDataDir } }))
      .rejects.toMatchObject({ code: 1 });
  });

  it("are the spec's own curl samples for the project operations (host aside)", () => {
    const samples = operations.flatMap((op) => ((op as { 'x-codeSamples'?: { source: string }[] })['x-codeSamples'] ?? [])
      .map((sample) => sample.source.trim().replaceAll('https://your-domain', 'http://localhost:3000')));
    expect(readmeCurlCommands().sort()).toEqual(samples.sort());
  });

  it('the custom-field commands define a field, set it on project 42 and find the project by it', async () => {
    const [defined, set, found] = await runChained('### Numbers, totals and archiving', [201, 200, 200]);
    expect(defined.data).toMatchObject({ key: 'phase', type: 'single_select', options: ['Discovery', 'Build', 'Launch'] });
    expect(set.data.custom_fields).toEqual({ phase: 'Build' });
    expect(found.data.map((p: { id: number }) => p.id)).toEqual([42]);
  });

  it('each command succeeds and answers as the documentation shows', async () => {
    const commands = readmeCurlCommands();
    expect(commands.length).toBe(14);
    const answers: { command: string; status: number; body: any }[] = [];
    for (const command of commands) {
      const script = `curl() { command curl -s -w '\\n%{http_code}' "$@"; }\n${command
        .replaceAll('http://localhost:3000', t.baseUrl).replaceAll('YOUR_API_KEY', t.key)}`;
      const { stdout } = await run('bash', ['-c', script]);
      const lines = stdout.trimEnd().split('\n');
      const status = Number(lines.pop());
      answers.push({ command: command.split('\n')[0]!, status, body: JSON.parse(lines.join('\n')) });
    }
    for (const a of answers) expect(a.status, `${a.command}: ${JSON.stringify(a.body)}`).toBeLessThan(300);
    const [list, get, create, update, assign, manager] = answers.map((a) => a.body);
    expect(list.meta.per_page).toBe(25);
    expect(list.data.every((p: { status: string }) => p.status === 'in_progress')).toBe(true);
    expect(get.data).toMatchObject({ id: 42, title: 'Website Redesign', client: { id: 12, name: 'Acme Inc' }, category: { id: 3, name: 'Development' } });
    expect(create).toMatchObject({ data: { title: 'Website Redesign', client: { id: 12 } }, message: 'Project created successfully.' });
    expect(update).toMatchObject({ data: { id: 42, title: 'Website Redesign v2' }, message: 'Project updated successfully.' });
    expect(assign).toEqual({ data: { id: 42, assigned: [{ id: 5, name: 'Jane Doe' }, { id: 8, name: 'Sam Lee' }] }, message: 'Project assignees updated successfully.' });
    expect(manager).toEqual({ data: { id: 42, managers: [{ id: 5, name: 'Jane Doe' }] }, message: 'Project manager updated successfully.' });
    expect(answers.at(-2)!.body).toMatchObject({ data: { title: 'Website Redesign (copy)' }, message: 'Project cloned successfully.' });
    expect(answers.at(-1)!.body).toEqual({ data: { id: 42 }, message: 'Project deleted successfully.' });
  });

  it('the finding-projects queries answer as the text says', async () => {
    const [overdue, changed, next, grammar, active] = await runChained('### Finding projects');
    const today = new Date().toISOString().slice(0, 10);
    expect(overdue.data.length).toBeGreaterThan(0);
    expect(grammar.data.length).toBeGreaterThan(0);
    for (const p of overdue.data) {
      expect(p.managers).toEqual([{ id: 5, name: 'Jane Doe' }]);
      expect(p.dates.due < today && !['completed', 'cancelled'].includes(p.status)).toBe(true);
    }
    expect(changed.data).toHaveLength(20);
    expect(Object.keys(changed.data[0]).sort()).toEqual(['dates', 'id', 'status', 'title']);
    expect(next.meta.after).toBe(changed.meta.next_cursor);
    const seen = [...changed.data, ...next.data].map((p: { id: number }) => p.id);
    expect(new Set(seen).size).toBe(seen.length);
    for (const p of grammar.data) expect(['in_progress', 'on_hold']).toContain(p.status);
    expect(grammar.data.every((p: { tags: string[]; dates: { due: string | null } }) => p.tags.includes('priority') || (p.dates.due !== null && p.dates.due < '2026-07-01'))).toBe(true);
    const activity = active.data.map((p: { last_activity_at: string }) => p.last_activity_at);
    expect(activity.length).toBeGreaterThan(0);
    expect(activity.every((at: string) => at >= '2026-11-30T00:00:00.000000Z')).toBe(true);
    expect(activity).toEqual([...activity].sort().reverse());
  });

  it('the following-changes commands show a change made through the API, then nothing new, then the project\'s activity', async () => {
    expect((await t.api('PATCH', '/api/projects/7', { json: { project_title: 'Renamed for the feed' } })).status).toBe(200);
    await untilFeedCaughtUp(t);
    const [first, next, activities] = await runChained('### Following changes');
    expect(first.data.at(-1)).toMatchObject({ type: 'project.updated', project_id: 7, data: { title: 'Renamed for the feed' } });
    expect(next).toMatchObject({ data: [], meta: { next_cursor: null } });
    expect(activities.data[0]).toMatchObject({ type: 'project.updated', changed_fields: expect.arrayContaining(['title']) });
  });

  it('the templates commands make a template, list it, and start a project from it', async () => {
    const before = (await t.api('GET', '/api/projects/45')).body.data;
    const [template, listed, started] = await runChained('### Templates and duplication', [200, 200, 201]);
    expect(template.data).toMatchObject({ id: 45, is_template: true });
    expect(listed.data.map((p: { id: number }) => p.id)).toEqual([45]);
    expect((await t.api('GET', '/api/projects?limit=100')).body.data.map((p: { id: number }) => p.id)).not.toContain(45);
    expect(started).toMatchObject({ data: { title: 'Onboarding Acme', is_template: false, dates: { start: '2026-09-01' } }, message: 'Project cloned successfully.' });
    const tasks = (await t.api('GET', `/api/projects/${started.data.id}/tasks?limit=100`)).body.meta.total;
    expect(tasks).toBe((await t.api('GET', `/api/projects/${before.id}/tasks`)).body.meta.total);
  });
});
