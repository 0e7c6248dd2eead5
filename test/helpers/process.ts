// A server (or `npm start`) as a child process, as tests start it: its output collected, its port
// and pid read from the `listening` log line.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../server/platform/config.ts';
import { openDatabase } from '../../server/platform/database/connection.ts';
import { prepareDatabase } from '../../server/platform/database/prepare.ts';

export interface ServerProcess {
  child: ChildProcess;
  /** The port, once the server logs that it listens; rejects if the process exits first. */
  listening: Promise<number>;
  /** The pid of the process that runs the server (known once listening). */
  pid(): number;
  /** The exit code, once the process has ended and all of its output has been read. */
  exited: Promise<number | null>;
  output(): string;
}

const running = new Set<ChildProcess>();

/** Kills every server process a test left running (for afterEach/afterAll). */
export function killServerProcesses(): void {
  for (const child of running) child.kill('SIGKILL');
}

/** `command` defaults to the server run from its sources in this one process (no tsx CLI child). */
export function spawnServer(env: NodeJS.ProcessEnv, command: string[] = [process.execPath, '--import', 'tsx', 'server/main.ts']): ServerProcess {
  const child = spawn(command[0]!, command.slice(1), { env: { PORT: '0', LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let output = '';
  let pid = 0;
  // 'close', not 'exit': 'exit' can come before the last output is read from the pipes, and tests
  // read the output once the process has ended.
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => { running.delete(child); resolve(code); }));
  const listening = new Promise<number>((resolve, reject) => {
    const read = (chunk: Buffer) => {
      output += chunk;
      const match = /"port":(\d+)[^\n]*"pid":(\d+)[^\n]*"msg":"listening/.exec(output);
      if (match) { pid = Number(match[2]); resolve(Number(match[1])); }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    void exited.then((code) => reject(new Error(`the server exited (${code}) before listening:\n${output}`)));
  });
  listening.catch(() => {});
  return { child, listening, pid: () => pid, exited, output: () => output };
}

/**
 * A new embedded-database directory for a child process, already created and migrated (with the
 * main administrator, no API key), as `npm run db:migrate` leaves it. A fresh directory
 * costs every process that opens it first an initdb and every migration inside PGlite: a minute on a
 * busy machine, paid by each test that starts a process on its own directory. Tests that are about a
 * first start on an empty directory use mkdtemp instead. The migrated directory is made once (per
 * set of migrations and PGlite version) and copied.
 */
export async function migratedDataDir(): Promise<string> {
  const migrations = join(process.cwd(), 'prisma/migrations');
  const hash = createHash('sha256');
  hash.update(JSON.parse(readFileSync(join(process.cwd(), 'node_modules/@electric-sql/pglite/package.json'), 'utf8')).version);
  for (const name of readdirSync(migrations).sort()) {
    const sql = join(migrations, name, 'migration.sql');
    if (existsSync(sql)) hash.update(name).update(readFileSync(sql));
  }
  const template = join(tmpdir(), `growcrm-pglite-migrated-${hash.digest('hex').slice(0, 16)}`);
  if (!existsSync(template)) {
    // Made aside and renamed into place: suites running side by side may both make one.
    const making = mkdtempSync(`${template}-making-`);
    const config = loadConfig({ ...process.env, DATABASE_URL: '', PGLITE_DATA_DIR: making });
    const db = await openDatabase(config, 'test (migrated directory)');
    try {
      await prepareDatabase(db, config.adminEmail);
    } finally {
      await db.close();
    }
    try {
      renameSync(making, template);
    } catch {
      rmSync(making, { recursive: true, force: true });
    }
  }
  const copy = mkdtempSync(join(tmpdir(), 'pglite-migrated-'));
  cpSync(template, copy, { recursive: true });
  return copy;
}
