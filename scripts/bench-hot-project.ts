// Writes per second on hot projects: many clients adding children to few projects, so that every
// write contends for the same project rows (each child write locks its project and records activity
// in its row). Through the HTTP API only, so that it measures any checkout's compiled server.
//
//   npx tsx scripts/bench-hot-project.ts --database-url postgresql://postgres@127.0.0.1:5432/postgres
//     [--server-dir <checkout>]  whose dist/app/server/main.js runs (default: this checkout; build it first)
//     [--instances 2] [--projects 1] [--clients 48] [--seconds 10]
//     [--database-name bench_hot]  the DATABASE that is dropped and created afresh on that PostgreSQL
//                                  (--database-url only says how to connect; its database is left alone)
//     [--sample-locks]             also sample pg_stat_activity 5×/s and report lock waits
// Server settings come from the environment (DATABASE_POOL_SIZE=20 …), passed on to every instance.
// Exit code 1 if any answer was a 5xx other than 503 (or no answer at all).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';

const { values: args } = parseArgs({
  options: {
    'server-dir': { type: 'string', default: resolve(import.meta.dirname, '..') },
    instances: { type: 'string', default: '2' },
    projects: { type: 'string', default: '1' },
    clients: { type: 'string', default: '48' },
    seconds: { type: 'string', default: '10' },
    'database-url': { type: 'string' },
    'database-name': { type: 'string', default: 'bench_hot' },
    'sample-locks': { type: 'boolean', default: false },
  },
});
const serverDir = resolve(args['server-dir']);
const [instanceCount, projectCount, clientCount, seconds] = [args.instances, args.projects, args.clients, args.seconds].map(Number) as [number, number, number, number];
const adminUrl = args['database-url'];
const databaseName = args['database-name'];
if (!adminUrl?.startsWith('postgres')) throw new Error('--database-url postgresql://… is required (several instances need PostgreSQL)');
if (!/^[a-z_][a-z0-9_]*$/.test(databaseName)) throw new Error('--database-name must be a plain lower-case identifier');
if (['postgres', 'template0', 'template1'].includes(databaseName)) throw new Error(`--database-name ${databaseName}: that database is not the benchmark's to drop`);
if (new URL(adminUrl).pathname.slice(1) === databaseName) throw new Error(`--database-url must connect to another database (…/postgres): ${databaseName} is dropped and created afresh`);
if (![instanceCount, projectCount, clientCount, seconds].every((n) => Number.isInteger(n) && n > 0)) throw new Error('counts must be positive integers');
const mainJs = resolve(serverDir, 'dist/app/server/main.js');
if (!existsSync(mainJs)) throw new Error(`${mainJs} is missing: build that checkout first (npm ci or npm run build)`);
const databaseUrl = Object.assign(new URL(adminUrl), { pathname: `/${databaseName}` }).href;

// ---- The database: a fresh one, so that every run (and every checkout) starts from the same state.
async function recreateDatabase(): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${databaseName}`);
  } finally {
    await admin.end();
  }
}

// The checkout's own documented command (it also migrates the empty database), run by this Node.
function createApiKey(): string {
  const env = { ...process.env, DATABASE_URL: databaseUrl, PATH: `${dirname(process.execPath)}:${process.env.PATH}` };
  const out = execFileSync('npm', ['run', '-s', 'keys', '--', 'create', 'bench-hot'], { cwd: serverDir, env, encoding: 'utf8', stdio: 'pipe' });
  return out.trim().split('\n').at(-1)!.trim();
}

// ---- The instances: separate processes of the compiled server on one database, as in production.
interface Instance { baseUrl: string; child: ChildProcess }
/** The servers' error log lines (503s and 500s log one each), counted by message and cause. */
const serverErrors = new Map<string, number>();

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((done) => probe.listen(0, '127.0.0.1', done));
  const { port } = probe.address() as { port: number };
  await new Promise((done) => probe.close(done));
  return port;
}

async function startInstance(): Promise<Instance> {
  // A port chosen here (not read from the log), so that any log level and any log format work.
  const port = await freePort();
  const env = { ...process.env, DATABASE_URL: databaseUrl, PORT: String(port), HOST: '127.0.0.1' };
  const child = spawn(process.execPath, [mainJs], { cwd: serverDir, env, stdio: ['ignore', 'pipe', 'inherit'] });
  // Request logs are read and dropped, as a log shipper would; error lines (pino level ≥ 50) are counted for the report.
  const instance: Instance = { baseUrl: `http://127.0.0.1:${port}`, child };
  let partial = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop()!;
    for (const line of lines.filter((l) => /^\{"level":[56]\d/.test(l))) {
      let entry: { msg?: string; err?: { code?: string; message?: string } } = {};
      try { entry = JSON.parse(line); } catch { entry = { msg: line.slice(0, 200) }; }
      const { msg, err } = entry;
      const what = `${msg}: ${err?.code ?? ''} ${(err?.message ?? '').replace(/\s+/g, ' ').slice(0, 160)}`;
      serverErrors.set(what, (serverErrors.get(what) ?? 0) + 1);
    }
  });
  let exited: number | null | undefined;
  child.on('exit', (code) => { exited = code; });
  for (const deadline = Date.now() + 90_000; ;) {
    if (exited !== undefined) throw new Error(`server exited (${exited}) before it was ready`);
    if (Date.now() > deadline) throw new Error('server not ready within 90 s');
    const ready = await fetch(`${instance.baseUrl}/readyz`).then((r) => r.ok, () => false);
    if (ready) return instance;
    await new Promise((r) => setTimeout(r, 200));
  }
}

function stopInstance({ child }: Instance): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done();
    child.on('exit', () => done());
    child.kill('SIGTERM');
  });
}

// ---- The load.
let key = '';
const json = (body: unknown) => ({ body: JSON.stringify(body), headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' } });

async function call(baseUrl: string, method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
  const init = body === undefined ? { headers: { authorization: `Bearer ${key}` } } : json(body);
  const response = await fetch(baseUrl + path, { method, ...init });
  return { status: response.status, text: await response.text() };
}

async function create(baseUrl: string, path: string, body: unknown): Promise<number> {
  const { status, text } = await call(baseUrl, 'POST', path, body);
  if (status !== 201) throw new Error(`POST ${path}: ${status} ${text}`);
  return (JSON.parse(text) as { data: { id: number } }).data.id;
}

interface Client { n: number; projectId: number; taskId?: number }
interface Op {
  name: string;
  method: string;
  path: (c: Client) => string;
  body?: (c: Client) => unknown;
  /** Reads what later operations need from a 2xx answer. */
  keep?: (c: Client, data: { id: number }) => void;
}

let userId = 0;
// The child writes the API offers under a project: each locks the project row and records activity on it.
// The first progress call switches a project to manual progress, so later task creates skip the re-derivation.
const ops: Op[] = [
  { name: 'POST tasks (3 checklist items)', method: 'POST', path: (c) => `/api/projects/${c.projectId}/tasks`,
    body: (c) => ({ task_title: `Task ${c.n}`, task_checklist: ['Draft', 'Review', 'Ship'] }), keep: (c, data) => { c.taskId = data.id; } },
  { name: 'POST comments', method: 'POST', path: (c) => `/api/projects/${c.projectId}/comments`, body: (c) => ({ comment_text: `Comment ${c.n}` }) },
  { name: 'POST timers (on the task)', method: 'POST', path: (c) => `/api/projects/${c.projectId}/timers`,
    body: (c) => ({ user_id: userId, ...(c.taskId ? { task_id: c.taskId } : {}) }) },
  { name: 'PUT stop-timers', method: 'PUT', path: (c) => `/api/projects/${c.projectId}/stop-timers` },
  { name: 'PUT tags', method: 'PUT', path: (c) => `/api/projects/${c.projectId}/tags`, body: (c) => ({ tags: ['hot', `t${c.n % 5}`] }) },
  { name: 'PUT progress', method: 'PUT', path: (c) => `/api/projects/${c.projectId}/progress`, body: (c) => ({ progress: c.n % 101 }) },
  { name: 'POST milestones', method: 'POST', path: (c) => `/api/projects/${c.projectId}/milestones`, body: (c) => ({ milestone_title: `Milestone ${c.n}` }) },
  { name: 'POST files', method: 'POST', path: (c) => `/api/projects/${c.projectId}/files`,
    body: (c) => ({ file_name: `f${c.n}.pdf`, file_url: `https://files.example.com/f${c.n}.pdf` }) },
  { name: 'POST invoices', method: 'POST', path: (c) => `/api/projects/${c.projectId}/invoices`,
    body: () => ({ invoice_date: '2026-06-01', invoice_due_date: '2026-07-01', invoice_amount: 100 }) },
  { name: 'POST estimates', method: 'POST', path: (c) => `/api/projects/${c.projectId}/estimates`, body: () => ({ estimate_date: '2026-06-01', estimate_amount: 100 }) },
];

interface Tally { requests: number; ok: number; busy: number; client: number; server: number; noAnswer: number; latencies: number[] }
const newTally = (): Tally => ({ requests: 0, ok: 0, busy: 0, client: 0, server: 0, noAnswer: 0, latencies: [] });
const tallies = new Map(ops.map((op) => [op.name, newTally()]));
const instanceTallies = Array.from({ length: instanceCount }, newTally);
const failureSamples = new Map<string, number>();

async function runClients(instances: Instance[], projectIds: number[]): Promise<number> {
  const deadline = performance.now() + seconds * 1000;
  const client = async (index: number) => {
    const c: Client = { n: 0, projectId: projectIds[index % projectIds.length]! };
    // Staggered starts: all kinds of write are in flight from the first second.
    for (let step = index; performance.now() < deadline; step++) {
      const op = ops[step % ops.length]!;
      // Round-robin, as a load balancer would; shifted once per pass over the operations so that
      // each operation reaches every instance (otherwise 10 operations on 2 instances pair up).
      const at = (step + Math.floor(step / ops.length)) % instances.length;
      const instance = instances[at]!;
      c.n = step;
      const started = performance.now();
      let status = 0;
      let text = '';
      try {
        ({ status, text } = await call(instance.baseUrl, op.method, op.path(c), op.body?.(c)));
      } catch (error) {
        text = String((error as Error).cause ?? error);
      }
      const ms = performance.now() - started;
      for (const tally of [tallies.get(op.name)!, instanceTallies[at]!]) {
        tally.latencies.push(ms);
        tally.requests++;
        if (status >= 200 && status < 300) tally.ok++;
        else if (status === 503) tally.busy++;
        else if (status >= 500) tally.server++;
        else if (status >= 400) tally.client++;
        else tally.noAnswer++;
      }
      if (status >= 200 && status < 300) {
        op.keep?.(c, (JSON.parse(text) as { data: { id: number } }).data);
      } else if (status !== 503) {
        const sample = `${op.name} → ${status || 'no answer'}: ${text.slice(0, 200)}`;
        failureSamples.set(sample, (failureSamples.get(sample) ?? 0) + 1);
      }
    }
  };
  const began = performance.now();
  await Promise.all(Array.from({ length: clientCount }, (_, i) => client(i)));
  return (performance.now() - began) / 1000;
}

// ---- Optional: where PostgreSQL's backends spend the run (sampled, not traced).
interface Backend { pid: number; state: string; wait_event_type: string | null; wait_event: string | null; query: string; blockers: number[] }
const lockSamples: Backend[][] = [];

async function sampleLocks(until: Promise<unknown>): Promise<void> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  let running = true;
  void until.finally(() => { running = false; });
  while (running) {
    const { rows } = await db.query<Backend>(`
      SELECT pid, state, wait_event_type, wait_event, regexp_replace(query, '\\s+', ' ', 'g') AS query,
             CASE WHEN wait_event_type = 'Lock' THEN pg_blocking_pids(pid) ELSE '{}' END AS blockers
        FROM pg_stat_activity
       WHERE datname = $1 AND backend_type = 'client backend' AND pid <> pg_backend_pid()
         AND state IN ('active', 'idle in transaction')`, [databaseName]);
    lockSamples.push(rows);
    await new Promise((r) => setTimeout(r, 200));
  }
  await db.end();
}

/** Waiters queue behind waiters (tuple lock, then the holder's transaction id): the head of the chain holds the row. */
function chainHead(sample: Backend[], waiter: Backend): Backend | undefined {
  const byPid = new Map(sample.map((b) => [b.pid, b]));
  let at: Backend | undefined = waiter;
  for (let hops = 0; at?.wait_event_type === 'Lock' && hops < 100; hops++) at = byPid.get(at.blockers[0]!);
  return at;
}

function reportLocks(elapsed: number, requests: number): void {
  const all = lockSamples.flat();
  const active = all.filter((s) => s.state === 'active');
  const waiting = lockSamples.flatMap((sample) => sample.filter((s) => s.wait_event_type === 'Lock').map((s) => ({ ...s, head: chainHead(sample, s) })));
  const count = (items: string[]) => [...items.reduce((m, k) => m.set(k, (m.get(k) ?? 0) + 1), new Map<string, number>())].sort((a, b) => b[1] - a[1]);
  const share = (n: number, of: number) => `${of ? ((100 * n) / of).toFixed(0) : 0} %`;
  const per = (n: number) => n / lockSamples.length;
  const short = (q: string) => (q.length > 120 ? `${q.slice(0, 75)} … ${q.slice(-40)}` : q);
  const list = (title: string, items: string[], of: number) => {
    console.log(`  ${title}:`);
    for (const [k, n] of count(items).slice(0, 6)) console.log(`    ${share(n, of).padStart(5)}  ${short(k)}`);
  };
  console.log(`\npg_stat_activity, ${lockSamples.length} samples (every 200 ms) of ${databaseName}'s client backends:`);
  console.log(`  per sample: ${per(all.length).toFixed(1)} in a transaction, ${per(active.length).toFixed(1)} running a statement, ${per(waiting.length).toFixed(1)} of them waiting on a lock`);
  console.log(`  share of active backends waiting on a lock: ${share(waiting.length, active.length)}; samples with any lock wait: ${share(lockSamples.filter((r) => r.some((s) => s.wait_event_type === 'Lock')).length, lockSamples.length)}`);
  // Little's law: mean number waiting ÷ requests per second = mean lock wait per request.
  console.log(`  ≈ ${((per(waiting.length) / (requests / elapsed)) * 1000).toFixed(0)} ms of lock wait per request on average`);
  console.log(`  lock waits by kind: ${count(waiting.map((s) => s.wait_event ?? '?')).map(([k, n]) => `${k} ${share(n, waiting.length)}`).join(', ')}`);
  // Idle in transaction: the row is held while the server works between two statements of the transaction.
  console.log(`  the head of the wait chain (holds the row) was: ${count(waiting.map((s) => s.head?.state ?? '(ended)')).map(([k, n]) => `${k} ${share(n, waiting.length)}`).join(', ')}`);
  list('statements waiting on a lock (share of lock waits)', waiting.map((s) => s.query), waiting.length);
  list('the head of the wait chain (holds the row): state, last statement', waiting.map((s) => (s.head ? `${s.head.state}: ${s.head.query}` : '(ended before the sample was read)')), waiting.length);
  list('active backends not waiting on a lock, by wait event', active.filter((s) => s.wait_event_type !== 'Lock').map((s) => `${s.wait_event_type ?? 'CPU'}/${s.wait_event ?? '-'}`), active.length);
}

// ---- The report.
function quantile(sorted: number[], q: number): string {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(0) : '-';
}

function printTable(elapsed: number): void {
  const total = newTally();
  const rows = [...tallies].map(([name, t]) => {
    for (const k of ['requests', 'ok', 'busy', 'client', 'server', 'noAnswer'] as const) total[k] += t[k];
    total.latencies.push(...t.latencies);
    return [name, t] as const;
  });
  rows.push(['total', total]);
  if (instanceCount > 1) rows.push(...instanceTallies.map((t, i) => [`  via instance ${i + 1}`, t] as const));
  const header = ['operation', 'requests', '2xx', '503', 'other 4xx', '5xx (not 503)', 'no answer', 'writes/s', 'p50 ms', 'p99 ms'];
  const lines = rows.map(([name, t]) => {
    const sorted = t.latencies.sort((a, b) => a - b);
    return [name, t.requests, t.ok, t.busy, t.client, t.server, t.noAnswer, (t.ok / elapsed).toFixed(1), quantile(sorted, 0.5), quantile(sorted, 0.99)].map(String);
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const format = (cells: string[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  console.log(format(header));
  for (const line of lines) console.log(format(line));
}

function git(...argv: string[]): string | undefined {
  try { return execFileSync('git', ['-C', serverDir, ...argv], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(); } catch { return undefined; }
}

const serverSettings = ['DATABASE_POOL_SIZE', 'DATABASE_QUEUE_LIMIT', 'DATABASE_CONNECT_TIMEOUT_MS', 'DATABASE_QUERY_TIMEOUT_MS',
  'DATABASE_TRANSACTION_TIMEOUT_MS', 'DATABASE_PREPARED_STATEMENTS', 'BACKGROUND_JOBS', 'LOG_LEVEL', 'REDIS_URL'];

// ---- The run.
await recreateDatabase();
key = createApiKey();
const instances: Instance[] = [];
let exitCode = 0;
try {
  // One after another: each applies pending migrations (none after the key command) and starts its job queue.
  for (let i = 0; i < instanceCount; i++) instances.push(await startInstance());
  const seeder = instances[0]!.baseUrl;
  const clientId = await create(seeder, '/api/clients', { client_company_name: 'Hot Client' });
  const categoryId = await create(seeder, '/api/categories', { category_name: 'Hot' });
  userId = await create(seeder, '/api/users', { first_name: 'Timer', last_name: 'User', email: 'timer@example.com' });
  const projectIds: number[] = [];
  for (let i = 0; i < projectCount; i++) {
    projectIds.push(await create(seeder, '/api/projects', { project_clientid: clientId, project_categoryid: categoryId, project_title: `Hot ${i + 1}`, project_date_start: '2026-06-01' }));
  }

  const load = [loadavg()[0]!.toFixed(2)];
  const running = runClients(instances, projectIds);
  const sampling = args['sample-locks'] ? sampleLocks(running) : undefined;
  const elapsed = await running;
  await sampling;
  load.push(loadavg()[0]!.toFixed(2));

  const commit = git('rev-parse', '--short', 'HEAD');
  const version = commit ? `at ${commit}${git('status', '--porcelain', '--untracked-files=no') ? ' (uncommitted changes)' : ''}` : '(not a git checkout)';
  console.log(`Node ${process.version}, ${cpus().length} CPUs, load (1 min) ${load.join(' → ')}; server ${serverDir} ${version}`);
  console.log(`${instanceCount} instance(s) on PostgreSQL database ${databaseName} (${new URL(databaseUrl).host}), ${projectCount} project(s), ${clientCount} clients, ${seconds} s (${elapsed.toFixed(1)} s with the last answers)`);
  console.log(`server settings: ${serverSettings.map((k) => `${k}=${process.env[k] ?? '(default)'}`).join(' ')}\n`);
  printTable(elapsed);
  if (sampling) reportLocks(elapsed, [...tallies.values()].reduce((sum, t) => sum + t.requests, 0));
  if (failureSamples.size > 0) {
    console.log('\nanswers other than 2xx and 503 (count, first 200 characters):');
    for (const [sample, n] of [...failureSamples].sort((a, b) => b[1] - a[1]).slice(0, 10)) console.log(`  ${n} × ${sample}`);
  }
  if (serverErrors.size > 0) {
    console.log('\nthe servers\' error log (count × message: cause):');
    for (const [what, n] of [...serverErrors].sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(`  ${n} × ${what}`);
  }
  if ([...tallies.values()].some((t) => t.server > 0 || t.noAnswer > 0)) exitCode = 1;
} finally {
  await Promise.all(instances.map(stopInstance));
}
process.exit(exitCode);
