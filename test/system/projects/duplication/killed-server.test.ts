// Background duplication across a killed server: a clone that an instance accepted and was killed
// (SIGKILL) before running is completed by the next instance (processes of their own).
// On PGlite by default, on PostgreSQL with DATABASE_URL.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { killServerProcesses, migratedDataDir, spawnServer } from '../../../helpers/process.ts';
import { until } from '../../../helpers/wait.ts';

/** Small thresholds, so that a handful of rows is a "large" project. */
const SMALL = { DUPLICATION_SYNC_LIMIT: '5', DUPLICATION_CHUNK_ROWS: '2', DUPLICATION_MAX_ATTEMPTS: '2' };

afterEach(killServerProcesses);

describe('background duplication across a killed server', () => {
  it('a clone accepted by an instance killed (SIGKILL) before running it is completed by the next instance', async () => {
    const postgres = process.env.DATABASE_URL;
    const env = postgres
      ? { ...process.env, ...SMALL, LOG_LEVEL: 'info' }
      : { ...process.env, ...SMALL, DATABASE_URL: '', PGLITE_DATA_DIR: await migratedDataDir(), LOG_LEVEL: 'info' };
    const { stdout } = await promisify(execFile)('node_modules/.bin/tsx', ['scripts/keys.ts', 'create', 'duplications'], { env });
    const key = stdout.trim().split('\n').at(-1)!;
    // Prefer: respond-async: the clone is answered 202 at once, before the instance is killed.
    const call = (port: number, method: string, path: string, json?: unknown) => fetch(`http://127.0.0.1:${port}${path}`, {
      method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', prefer: 'respond-async' }, body: json === undefined ? undefined : JSON.stringify(json),
    }).then(async (r) => ({ status: r.status, headers: r.headers, body: await r.json() as any }));

    const first = spawnServer({ ...env, BACKGROUND_JOBS: 'false' });
    let port = await first.listening;
    const client = (await call(port, 'POST', '/api/clients', { client_company_name: 'Killed Inc' })).body.data;
    const category = (await call(port, 'POST', '/api/categories', { category_name: 'Killed' })).body.data;
    const template = (await call(port, 'POST', '/api/projects', {
      project_clientid: client.id, project_categoryid: category.id, project_title: 'Killed template', project_date_start: '2026-01-01', project_is_template: 'on',
    })).body.data;
    for (let i = 0; i < 6; i += 1) await call(port, 'POST', `/api/projects/${template.id}/tasks`, { task_title: `T${i}`, task_date_due: '2026-01-10' });
    // Right after its start, an instance whose job queue has not started yet answers 503 with
    // Retry-After (on a busy machine, for as long as pg-boss takes to start): retry as a client would.
    const clone = () => call(port, 'POST', `/api/projects/${template.id}/clone`, { project_title: 'Survivor', project_date_start: '2026-02-01', copy_tasks: 'on' });
    const accepted = await until('the clone to be accepted', async () => {
      const answer = await clone();
      if (answer.status !== 503) return answer;
      expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      await new Promise((resolve) => setTimeout(resolve, Number(answer.headers.get('retry-after')) * 1000));
      return undefined;
    });
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(202);
    const location = accepted.headers.get('location')!;
    first.child.kill('SIGKILL');
    await first.exited;

    const second = spawnServer(env);
    port = await second.listening;
    const done = await until('the copy on the next instance', async () => {
      const { data } = (await call(port, 'GET', location)).body;
      return data.status === 'succeeded' && data;
    });
    const tasks = (await call(port, 'GET', `/api/projects/${done.project_id}/tasks`)).body.data;
    expect(tasks.map((x: any) => x.date_due)).toEqual(Array(6).fill('2026-02-10'));
    const copies = (await call(port, 'GET', '/api/projects?search=Survivor')).body.data;
    expect(copies.map((p: any) => p.id)).toEqual([done.project_id]);
    second.child.kill('SIGTERM');
    await second.exited;
  });
});
