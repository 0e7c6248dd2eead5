// The embedded database belongs to one process at a time. The README's commands, run beside a
// running server, act through it (a key works or stops working at once); a second server refuses;
// nothing forks or corrupts the data, however often the cycle is repeated.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openDatabase, PGLITE_SHARED_BUFFERS } from '../../../../server/platform/database/connection.ts';
import { killServerProcesses, spawnServer } from '../../../helpers/process.ts';

const execFileAsync = promisify(execFile);
const dataDir = mkdtempSync(join(tmpdir(), 'pglite-owned-'));
// This file is about the embedded database, whichever database the rest of the suite uses.
const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: '', PGLITE_DATA_DIR: dataDir, LOG_LEVEL: 'info' };

async function command(script: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync('node_modules/.bin/tsx', [script, ...args], { env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const keys = (...args: string[]) => command('scripts/keys.ts', ...args);

const startServer = () => spawnServer(env);
afterEach(killServerProcesses);

async function status(port: number, key: string, path = '/api/projects'): Promise<number> {
  return (await fetch(`http://127.0.0.1:${port}${path}`, { headers: { authorization: `Bearer ${key}` } })).status;
}

describe('the embedded database beside a running server', () => {
  // Two rounds of a server start and several CLI commands, each a process of its own: 35–60 s on a
  // two-core machine, minutes when it is busy with other suites too.
  it('keys and seed act through the server at once; a second server refuses; data survives restarts', async () => {
    const survivors: string[] = [];
    const revoked: string[] = [];
    for (let round = 1; round <= 2; round++) {
      const server = startServer();
      const port = await server.listening;
      for (const key of survivors) expect(await status(port, key), `a key from an earlier round, round ${round}`).toBe(200);
      for (const key of revoked) expect(await status(port, key), `a key revoked in an earlier round, round ${round}`).toBe(401);

      const created = await keys('create', `round ${round}`);
      expect(created.code, created.stderr).toBe(0);
      const key = created.stdout.trim().split('\n').at(-1)!;
      expect(await status(port, key)).toBe(200);

      const doomed = (await keys('create', `doomed ${round}`)).stdout.trim().split('\n').at(-1)!;
      expect(await status(port, doomed)).toBe(200);
      const id = new RegExp(`#(\\d+)\\t[^\\n]*doomed ${round}`).exec((await keys('list')).stdout)![1]!;
      const revoke = await keys('revoke', id);
      expect(revoke.stdout, revoke.stderr).toContain(`Revoked API key #${id}.`);
      expect(await status(port, doomed)).toBe(401);

      const seeded = await command('scripts/db-seed.ts');
      if (round === 1) {
        expect(seeded.code, seeded.stderr).toBe(0);
        expect(seeded.stdout).toContain('Seeded 12 clients');
      } else {
        expect(seeded.code).toBe(1);
        expect(seeded.stderr).toContain('already holds data');
      }
      expect(await status(port, key, '/api/projects/42')).toBe(200);
      expect((await command('scripts/db-migrate.ts')).stdout).toContain('The database is up to date.');

      const second = startServer();
      await expect(second.listening).rejects.toThrow(/exited \(1\)/);
      expect(second.output()).toContain(`in use by process ${server.pid()} (server`);

      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
      survivors.push(key);
      revoked.push(doomed);
    }
    const listed = (await keys('list')).stdout;
    expect(listed.match(/\tactive\t/g)).toHaveLength(2);
    expect(listed.match(/\trevoked /g)).toHaveLength(2);
    const db = await openDatabase({ databaseUrl: undefined, pgliteDataDir: dataDir, databasePoolSize: 1 }, 'test');
    try {
      expect(await db.prisma.project.count()).toBe(45);
    } finally {
      await db.close();
    }
  }, 900_000);

  it('a command waits for another command that holds the database, then runs', async () => {
    const holder = await openDatabase({ databaseUrl: undefined, pgliteDataDir: dataDir, databasePoolSize: 1 }, 'a test holding it');
    // The holder is released once the command has found it there: it has connected to the holder's
    // control channel (the only server in this process), however long the command took to start.
    const emit = net.Server.prototype.emit as (this: net.Server, event: string | symbol, ...args: unknown[]) => boolean;
    let knocked!: () => void;
    const found = new Promise<void>((resolve) => { knocked = resolve; });
    const spy = vi.spyOn(net.Server.prototype, 'emit').mockImplementation(function (this: net.Server, event: string | symbol, ...args: unknown[]) {
      if (event === 'connection') knocked();
      return emit.call(this, event, ...args);
    });
    const listing = keys('list');
    try {
      await found;
    } finally {
      spy.mockRestore();
    }
    await holder.close();
    const { code, stdout } = await listing;
    expect(code).toBe(0);
    expect(stdout).toContain('round 1');
  });

  it('opening a directory that another process owns names that process', async () => {
    const server = startServer();
    await server.listening;
    try {
      await expect(openDatabase({ databaseUrl: undefined, pgliteDataDir: dataDir, databasePoolSize: 1 }, 'test'))
        .rejects.toThrow(`in use by process ${server.pid()} (server, since`);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });
});

describe('the embedded database memory', () => {
  it('runs with a page cache of PGLITE_SHARED_BUFFERS, not the 128 MB initdb chose', async () => {
    const db = await openDatabase({ databaseUrl: undefined, pgliteDataDir: 'memory://', databasePoolSize: 1 });
    try {
      const { rows } = await db.pglite!.query<{ shared_buffers: string }>('SHOW shared_buffers');
      expect(rows[0]!.shared_buffers).toBe(PGLITE_SHARED_BUFFERS);
    } finally {
      await db.close();
    }
  });
});
