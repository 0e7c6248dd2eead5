// The README's examples run verbatim (host, key and receiver port aside), in the order the README
// shows them, against a server holding the demo data of `npm run db:seed`: a reader who follows the
// README from the top on a fresh demo database gets every answer it promises. The `it`s below are in
// README order (vitest runs them so); what is not run here is listed in `notRunHere`, with the reason.
import { execFile, spawn } from 'node:child_process';
import { connect, createServer, type AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratedDataDir } from '../helpers/process.ts';
import { startTestServer, untilFeedCaughtUp, type TestServer } from '../helpers/server.ts';
import { operations } from '../helpers/spec.ts';
import { until } from '../helpers/wait.ts';

const run = promisify(execFile);

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
let t: TestServer;
let pgliteDataDir: string;

// The seed goes to a migrated embedded directory of its own (as after `npm run db:migrate`), or on
// PostgreSQL to this file's own database, as fresh (test/helpers/file-database.ts).
beforeAll(async () => {
  pgliteDataDir = await migratedDataDir();
  const seeded = await run('node_modules/.bin/tsx', ['scripts/db-seed.ts'], { env: { ...process.env, PGLITE_DATA_DIR: pgliteDataDir } });
  expect(seeded.stdout).toContain('Seeded 12 clients, 4 categories, 7 team users and 45 projects.');
  // The webhook example subscribes a receiver on localhost, as the README says to try it.
  t = await startTestServer({ pgliteDataDir, env: { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' } });
});
afterAll(async () => { await t?.close(); });

const root = fileURLToPath(new URL('../..', import.meta.url));
const readme = readFileSync(join(root, 'README.md'), 'utf8');

/** Every fenced block of the README, with the heading of its section. */
function readmeBlocks(): { heading: string; lang: string; code: string }[] {
  const blocks: { heading: string; lang: string; code: string }[] = [];
  let heading = '';
  for (const part of readme.split(/^```/m).entries()) {
    const [index, text] = part;
    if (index % 2 === 0) heading = [...text.matchAll(/^#{2,3} .*$/gm)].at(-1)?.[0] ?? heading;
    else blocks.push({ heading, lang: text.slice(0, text.indexOf('\n')), code: text.slice(text.indexOf('\n') + 1) });
  }
  return blocks;
}

/** What the tests below do not run, and why: anything else in the README must be run by one of them. */
const notRunHere: Record<string, string> = {
  '## Start': 'installs and starts the server itself',
  '### API keys': 'the key commands need the server\'s own data directory (test/system/platform tests them)',
  '### Organizations': 'the key commands need the server\'s own data directory (test/api/access runs create-organization through the same command)',
  '### Templates and duplication#2': 'polls a background copy, which the demo templates are too small to need (test/api tests duplications)',
  '### Webhooks#2': 'client/webhook-receiver.ts against a live ping, run by test/system/client.test.ts',
  '## Calling the API from TypeScript#2': 'client/example.ts, run by its own test in test/system/client.test.ts',
  '## Metrics and tracing': 'a Prometheus configuration',
  '## Production deployment': 'systemd and a deployment machine',
  '## Performance': 'benchmarks',
  '## Regenerate and test': 'the test suite itself',
};

function readmeCurlCommands(heading = '## Calling the API with curl', nth = 1): string[] {
  const block = readmeBlocks().filter((b) => b.heading === heading && b.lang === 'bash')[nth - 1]!.code;
  return block.split(/\n\s*\n/).map((c) => c.trim()).filter(Boolean);
}

function typeScriptBlock(heading: string): string {
  return readmeBlocks().find((b) => b.heading === heading && b.lang === 'ts')!.code;
}

/** Runs a TypeScript example with tsx inside the repository, where the workspace links `growcrm-projects-client`. */
async function runTypeScript(code: string): Promise<{ stdout: string }> {
  const file = join(mkdtempSync(join(root, 'dist', 'readme-example-')), 'example.ts');
  writeFileSync(file, `${code.replaceAll('http://localhost:3000', t.baseUrl)}\nexport {};\n`);
  try {
    return await run('node_modules/.bin/tsx', [file], { env: { ...process.env, PROJECTS_API_KEY: t.key } });
  } finally {
    rmSync(dirname(file), { recursive: true, force: true });
  }
}

/**
 * Runs a section's commands in order, each answer's `meta.next_cursor` standing in for NEXT_CURSOR
 * in the next command; every one must answer 200 (or the status given for it). Returns the bodies.
 */
async function runChained(heading: string, statuses: number[] = [], commands = readmeCurlCommands(heading)): Promise<any[]> {
  const bodies: any[] = [];
  for (const [index, command] of commands.entries()) {
    const cursor = bodies.at(-1)?.meta?.next_cursor ?? '';
    const script = `curl() { command curl -s -w '\\n%{http_code}' "$@"; }\n${command
      .replaceAll('http://localhost:3000', t.baseUrl).replaceAll('YOUR_API_KEY', t.key).replaceAll('NEXT_CURSOR', cursor)}`;
    const { stdout } = await run('bash', ['-c', script], { env: { ...process.env, KEY: t.key } });
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

  it("the quick start's commands are the spec's own curl samples for the project operations", () => {
    const samples = operations.flatMap((op) => ((op as { 'x-codeSamples'?: { source: string }[] })['x-codeSamples'] ?? [])
      .map((sample) => sample.source.trim()));
    expect(readmeCurlCommands().sort()).toEqual(samples.sort());
  });

  it('the quick start: each command succeeds and answers as the documentation shows', async () => {
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
    // The delete removes this project (46 on the demo data), so project 42 stays for the later examples.
    expect(create).toMatchObject({ data: { id: 46, title: 'Website Redesign', client: { id: 12 } }, message: 'Project created successfully.' });
    expect(update).toMatchObject({ data: { id: 42, title: 'Website Redesign v2' }, message: 'Project updated successfully.' });
    expect(assign).toEqual({ data: { id: 42, assigned: [{ id: 5, name: 'Jane Doe' }, { id: 8, name: 'Sam Lee' }] }, message: 'Project assignees updated successfully.' });
    expect(manager).toEqual({ data: { id: 42, managers: [{ id: 5, name: 'Jane Doe' }] }, message: 'Project manager updated successfully.' });
    expect(answers.at(-2)!.body).toMatchObject({ data: { title: 'Website Redesign (copy)' }, message: 'Project cloned successfully.' });
    expect(answers.at(-1)!.body).toEqual({ data: { id: 46 }, message: 'Project deleted successfully.' });
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

  it('the custom-field commands define a field, set it on project 42 and find the project by it', async () => {
    const [defined, set, found] = await runChained('### Numbers, totals and archiving', [201, 200, 200]);
    expect(defined.data).toMatchObject({ key: 'phase', type: 'single_select', options: ['Discovery', 'Build', 'Launch'] });
    expect(set.data.custom_fields).toEqual({ phase: 'Build' });
    expect(found.data.map((p: { id: number }) => p.id)).toEqual([42]);
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
  it('the following-changes commands show a change made through the API, then nothing new, then the project\'s activity', async () => {
    expect((await t.api('PATCH', '/api/projects/7', { json: { project_title: 'Renamed for the feed' } })).status).toBe(200);
    await untilFeedCaughtUp(t);
    const [first, next, activities] = await runChained('### Following changes');
    expect(first.data.at(-1)).toMatchObject({ type: 'project.updated', project_id: 7, data: { title: 'Renamed for the feed' } });
    expect(next).toMatchObject({ data: [], meta: { next_cursor: null } });
    expect(activities.data[0]).toMatchObject({ type: 'project.updated', changed_fields: expect.arrayContaining(['title']) });
  });

  it('the webhook commands start a receiver, subscribe it and ping it: the receiver prints the ping', async () => {
    const [receiverCommand, ...commands] = readmeCurlCommands('### Webhooks');
    const port = await freePort();
    const receiver = spawn('bash', ['-c', receiverCommand!.replace(/^#.*\n/, '').replace(/&\s*$/, '').replaceAll('4000', String(port))]);
    let printed = '';
    receiver.stdout.on('data', (chunk: Buffer) => { printed += chunk; });
    try {
      await until('the receiver listens', () => new Promise<boolean>((resolve) => {
        const socket = connect(port, '127.0.0.1', () => { socket.destroy(); resolve(true); }).on('error', () => resolve(false));
      }));
      const [subscribed, pinged] = await runChained('### Webhooks', [201, 200], commands.map((c) => c.replaceAll('4000', String(port))));
      expect(subscribed.data).toMatchObject({ id: 1, url: `http://localhost:${port}/projects` });
      expect(pinged.data).toMatchObject({ ok: true, status_code: 204 });
      // The ping is delivered before its answer: the receiver has printed its Webhook-Id and body.
      await until('the receiver prints the ping', () => /^\S+ \{.*\}\n$/.test(printed));
    } finally {
      receiver.kill();
    }
  });

  it('the TypeScript example lists projects and assigns project 42', async () => {
    const { stdout } = await runTypeScript(typeScriptBlock('## Calling the API from TypeScript'));
    expect(stdout).toMatch(/^\d+ .+ \d+$/m);
    expect((await t.api('GET', '/api/projects/42')).body.data.assigned).toEqual([{ id: 5, name: 'Jane Doe' }, { id: 8, name: 'Sam Lee' }]);
  });

  it('the idempotent create answers 201', async () => {
    const [created] = await runChained('## Retries and limits', [201]);
    expect(created).toMatchObject({ data: { title: 'Website Redesign' }, message: 'Project created successfully.' });
  });

  it('the ETag example (after the client set-up of the TypeScript example) renames project 42 under If-Match', async () => {
    const before = (await t.api('GET', '/api/projects/42')).body.data.title;
    const setUp = typeScriptBlock('## Calling the API from TypeScript').split('\n').filter((line) => /^(import|const api) /.test(line));
    await runTypeScript([...setUp, typeScriptBlock('## Retries and limits')].join('\n'));
    expect((await t.api('GET', '/api/projects/42')).body.data.title).toBe(`${before} (v2)`);
  });

  it('every example block is run above or listed, with the reason, as not run here', () => {
    const executed = ['## Calling the API with curl', '### Finding projects', '### Numbers, totals and archiving', '### Templates and duplication',
      '### Following changes', '### Webhooks', '## Calling the API from TypeScript', '## Retries and limits', '## Retries and limits#2'];
    const seen = new Map<string, number>();
    const keys = readmeBlocks().map(({ heading }) => {
      const n = (seen.get(heading) ?? 0) + 1;
      seen.set(heading, n);
      return n === 1 ? heading : `${heading}#${n}`;
    });
    const unaccounted = keys.filter((key) => !executed.includes(key) && !(key in notRunHere) && !(key.replace(/#\d+$/, '') in notRunHere));
    expect(unaccounted).toEqual([]);
  });
});
