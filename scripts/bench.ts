// Measures the server under load and prints throughput and latency per scenario.
//   npm run bench                                    embedded PGlite (a temporary directory)
//   BENCH_DATABASE_URL=postgresql://… npm run bench  PostgreSQL (its public schema is emptied first!)
// BENCH_SECONDS (default 5) per scenario, BENCH_CONCURRENCY (default 16) requests in flight,
// BENCH_PROJECTS (default 5000) rows in the dataset. The compiled server runs in its own process.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAdministratorKey } from '../server/api-keys/store.ts';
import { openDatabase } from '../server/platform/database/connection.ts';
import { prepareDatabase } from '../server/platform/database/prepare.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 16);
const projectCount = Number(process.env.BENCH_PROJECTS ?? 5000);
const databaseUrl = process.env.BENCH_DATABASE_URL;
const pgliteDataDir = mkdtempSync(join(tmpdir(), 'bench-pglite-'));
const env = { ...process.env, DATABASE_URL: databaseUrl ?? '', PGLITE_DATA_DIR: pgliteDataDir, PORT: '0', LOG_LEVEL: 'info' };

async function prepareDataset(): Promise<string> {
  const db = await openDatabase({ databaseUrl, pgliteDataDir, databasePoolSize: 2 });
  try {
    if (db.kind === 'postgresql') {
      await db.prisma.$executeRawUnsafe('DROP SCHEMA IF EXISTS public CASCADE');
      await db.prisma.$executeRawUnsafe('CREATE SCHEMA public');
    }
    await prepareDatabase(db, 'admin@example.com');
    const client = await db.prisma.client.create({ data: { companyName: 'Bench Client' } });
    const category = await db.prisma.category.create({ data: { name: 'Bench' } });
    const admin = await db.prisma.user.findFirstOrThrow({ where: { role: 'admin' } });
    const statuses = ['not_started', 'in_progress', 'on_hold', 'completed'] as const;
    for (let offset = 0; offset < projectCount; offset += 1000) {
      await db.prisma.project.createMany({
        data: Array.from({ length: Math.min(1000, projectCount - offset) }, (_, i) => ({
          title: `Project ${offset + i} ${['alpha', 'beta', 'gamma', 'delta'][i % 4]}`,
          clientId: client.id, categoryId: category.id, creatorId: admin.id,
          status: statuses[i % statuses.length], dateStart: new Date(Date.UTC(2026, i % 12, 1 + (i % 28))),
        })),
      });
    }
    return (await createAdministratorKey(db.prisma, 'bench')).key;
  } finally {
    await db.close();
  }
}

async function startServer(): Promise<{ baseUrl: string; pid: number; stop: () => Promise<void> }> {
  // The compiled server, as `npm start` runs it (`npm run build` first after changing the code).
  const child = spawn(process.execPath, ['dist/app/server/main.js'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let output = '';
    // The listening line carries the port; later request logs are read and dropped, as a log shipper would.
    child.stdout.on('data', (chunk) => {
      if (output.length < 100_000) output += chunk;
      const match = /"port":(\d+)/.exec(output);
      if (match) resolve(Number(match[1]));
    });
    child.on('exit', (code) => reject(new Error(`server exited (${code}) before listening:\n${output}`)));
    setTimeout(() => reject(new Error(`server did not log a listening line within 60 s:\n${output}`)), 60_000).unref();
  });
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    stop: () => new Promise((resolve) => { child.on('exit', () => resolve()); child.kill('SIGTERM'); }),
  };
}

/** CPU time the process has used so far, in ms (user and system; Linux's /proc), or undefined elsewhere. */
function cpuMs(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime and stime, fields 14 and 15 of stat (11 and 12 after the command name), in clock ticks of 10 ms.
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

interface Scenario { name: string; request: (i: number) => { method: string; path: string; body?: string } }

async function measure(baseUrl: string, pid: number, key: string, scenario: Scenario) {
  const latencies: number[] = [];
  let failures = 0;
  let counter = 0;
  const deadline = performance.now() + seconds * 1000;
  const worker = async () => {
    while (performance.now() < deadline) {
      const { method, path, body } = scenario.request(counter++);
      const started = performance.now();
      const response = await fetch(baseUrl + path, {
        method, body, headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      });
      await response.arrayBuffer();
      latencies.push(performance.now() - started);
      if (!response.ok) failures++;
    }
  };
  const began = performance.now();
  const cpuBefore = cpuMs(pid);
  await Promise.all(Array.from({ length: concurrency }, worker));
  const cpuAfter = cpuMs(pid);
  const elapsed = (performance.now() - began) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!.toFixed(1);
  return { scenario: scenario.name, 'req/s': Math.round(latencies.length / elapsed), 'p50 ms': at(0.5), 'p95 ms': at(0.95), 'p99 ms': at(0.99), requests: latencies.length, failures,
    // The server process's own CPU per request (on PGlite the database's too, which runs inside it).
    'server CPU ms/req': cpuBefore === undefined || cpuAfter === undefined ? '' : ((cpuAfter - cpuBefore) / latencies.length).toFixed(2) };
}

const key = await prepareDataset();
const server = await startServer();
const scenarios: Scenario[] = [
  { name: 'GET /healthz (no database)', request: () => ({ method: 'GET', path: '/healthz' }) },
  { name: 'GET /api/projects (25 per page)', request: (i) => ({ method: 'GET', path: `/api/projects?page=${1 + (i % 50)}` }) },
  { name: 'GET /api/projects?status&sort', request: () => ({ method: 'GET', path: '/api/projects?status=in_progress&sort=project_date_start&order=asc&limit=50' }) },
  { name: 'GET /api/projects?search', request: (i) => ({ method: 'GET', path: `/api/projects?search=${['alpha', 'beta', 'gamma'][i % 3]}&limit=10` }) },
  { name: 'GET /api/projects/{id}', request: (i) => ({ method: 'GET', path: `/api/projects/${1 + (i % projectCount)}` }) },
  { name: 'PUT /api/projects/{id}/status', request: (i) => ({ method: 'PUT', path: `/api/projects/${1 + (i % projectCount)}/status`, body: '{"status":"on_hold"}' }) },
  { name: 'POST /api/projects', request: (i) => ({ method: 'POST', path: '/api/projects', body: JSON.stringify({ project_clientid: 1, project_categoryid: 1, project_title: `New ${i}`, project_date_start: '2026-06-01' }) }) },
];
console.log(`Node ${process.version}, server on ${databaseUrl ? 'PostgreSQL' : 'PGlite (embedded)'}, ${projectCount} projects, ${concurrency} in flight, ${seconds}s per scenario, ${(await import('node:os')).cpus().length} CPUs`);
const rows = [];
for (const scenario of scenarios) rows.push(await measure(server.baseUrl, server.pid, key, scenario));
console.table(rows);
await server.stop();
