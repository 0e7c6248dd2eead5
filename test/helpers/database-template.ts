// One migrated database per run, copied for each test file (or test server) that needs a fresh one,
// instead of running Prisma's schema engine (and, on PGlite, an initdb) for each of them.
// - Embedded PGlite: one database migrated (with the main administrator, no API key, as
//   `npm run db:migrate` leaves it) and dumped (`dumpDataDir()`) into a file in the temporary
//   directory, kept across runs under a key of everything that shapes it; an in-process server
//   starts a new in-memory PGlite from it (`loadDataDir`), a child process gets a directory.
// - PostgreSQL (DATABASE_URL): a template database migrated once per run (vitest's globalSetup,
//   test/helpers/global-setup.ts); each test file gets `CREATE DATABASE … TEMPLATE` of it
//   (test/helpers/file-database.ts), dropped after the file.
import { createHash, randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { loadConfig } from '../../server/platform/config.ts';
import { createPglite, openDatabase } from '../../server/platform/database/connection.ts';
import { prepareDatabase } from '../../server/platform/database/prepare.ts';

const root = new URL('../..', import.meta.url).pathname;

/** The main administrator's address, as a server configured by the process environment makes it. */
const adminEmail = () => loadConfig({ ...process.env, DATABASE_URL: '', PGLITE_DATA_DIR: 'memory://' }).adminEmail;

/** A key of what the migrated database holds: PGlite's and the schema engine's versions, the migrations, the preparation. */
function templateKey(): string {
  const hash = createHash('sha256');
  for (const name of ['@electric-sql/pglite', '@prisma/schema-engine-wasm']) {
    hash.update(JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version);
  }
  const migrations = join(root, 'prisma/migrations');
  for (const name of readdirSync(migrations).sort()) {
    const sql = join(migrations, name, 'migration.sql');
    if (existsSync(sql)) hash.update(name).update(readFileSync(sql));
  }
  hash.update(readFileSync(join(root, 'server/platform/database/prepare.ts'))).update(adminEmail());
  return hash.digest('hex').slice(0, 16);
}

/** Writes `make(path)`'s file or directory aside and renames it into place: runs side by side may both make it. */
async function madeOnce(path: string, make: (making: string) => Promise<void>): Promise<string> {
  if (existsSync(path)) return path;
  const making = `${path}-making-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await make(making);
    renameSync(making, path);
  } catch (error) {
    if (!existsSync(path)) throw error;
  } finally {
    rmSync(making, { recursive: true, force: true });
  }
  return path;
}

/** The file holding the migrated embedded database (an uncompressed `dumpDataDir()` tarball). */
export function migratedPgliteDump(): Promise<string> {
  return madeOnce(join(tmpdir(), `growcrm-pglite-migrated-${templateKey()}.tar`), async (making) => {
    const config = loadConfig({ ...process.env, DATABASE_URL: '', PGLITE_DATA_DIR: 'memory://' });
    const db = await openDatabase(config, 'test (migrated template)');
    try {
      await prepareDatabase(db, config.adminEmail);
      const dump = await db.pglite!.dumpDataDir('none');
      writeFileSync(making, Buffer.from(await dump.arrayBuffer()));
    } finally {
      await db.close();
    }
  });
}

let image: Promise<Blob> | undefined;

/** The migrated embedded database, read once per test file, for `openDatabase`'s `pgliteLoadDataDir`. */
export function migratedPgliteImage(): Promise<Blob> {
  image ??= migratedPgliteDump().then((path) => new Blob([readFileSync(path)]));
  return image;
}

/**
 * A new embedded-database directory for a child process, already created and migrated (with the
 * main administrator, no API key), as `npm run db:migrate` leaves it. A fresh directory
 * costs every process that opens it first an initdb and every migration inside PGlite: a minute on a
 * busy machine, paid by each test that starts a process on its own directory. Tests that are about a
 * first start on an empty directory use mkdtemp instead. The migrated directory is made once (from
 * the migrated dump) and copied.
 */
export async function migratedDataDir(): Promise<string> {
  const template = await madeOnce(join(tmpdir(), `growcrm-pglite-migrated-${templateKey()}`), async (making) => {
    mkdirSync(making);
    const pglite = await createPglite(making, await migratedPgliteImage());
    await pglite.close();
  });
  const copy = mkdtempSync(join(tmpdir(), 'pglite-migrated-'));
  cpSync(template, copy, { recursive: true });
  return copy;
}

/** PostgreSQL: the run's database (DATABASE_URL) and the template migrated for this run beside it. */
export interface PostgresTemplate {
  url: string;
  template: string;
}

const quoted = (name: string) => `"${name.replaceAll('"', '""')}"`;
export const databaseName = (url: string) => decodeURIComponent(new URL(url).pathname.slice(1));

/** The URL of database `name` on the server of `url`. */
export function databaseUrl(url: string, name: string): string {
  const other = new URL(url);
  other.pathname = `/${encodeURIComponent(name)}`;
  return other.toString();
}

/** Runs `statements` one by one on the run's database (CREATE/DROP DATABASE cannot run elsewhere than in a session of their own). */
async function onServer(url: string, ...statements: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: url, application_name: 'projects-api-tests' });
  await client.connect();
  try {
    for (const statement of statements) await client.query(statement);
  } finally {
    await client.end();
  }
}

/** Creates and migrates the run's template database beside the database of `url` (replacing one a previous run left). */
export async function preparePostgresTemplate(url: string): Promise<PostgresTemplate> {
  const template = `${databaseName(url)}_template`.slice(0, 63);
  await onServer(url, `DROP DATABASE IF EXISTS ${quoted(template)} WITH (FORCE)`, `CREATE DATABASE ${quoted(template)}`);
  const config = loadConfig({ ...process.env, DATABASE_URL: databaseUrl(url, template) });
  const db = await openDatabase(config, 'test (migrated template)');
  try {
    await prepareDatabase(db, config.adminEmail);
  } finally {
    await db.close();
  }
  return { url, template };
}

export async function dropPostgresTemplate({ url, template }: PostgresTemplate): Promise<void> {
  await onServer(url, `DROP DATABASE IF EXISTS ${quoted(template)} WITH (FORCE)`);
}

/** A new database `name`, a copy of the template (one of that name is replaced, its sessions ended). */
export async function copyPostgresTemplate({ url, template }: PostgresTemplate, name: string): Promise<string> {
  await onServer(url, `DROP DATABASE IF EXISTS ${quoted(name)} WITH (FORCE)`, `CREATE DATABASE ${quoted(name)} TEMPLATE ${quoted(template)}`);
  return databaseUrl(url, name);
}

export async function dropPostgresDatabase({ url }: PostgresTemplate, name: string): Promise<void> {
  await onServer(url, `DROP DATABASE IF EXISTS ${quoted(name)} WITH (FORCE)`);
}

/** A name for a test file's database: the run's database name, this process and a random part. */
export function fileDatabaseName({ url }: PostgresTemplate): string {
  const suffix = `_f${process.pid}_${randomBytes(3).toString('hex')}`;
  return databaseName(url).slice(0, 63 - suffix.length) + suffix;
}
