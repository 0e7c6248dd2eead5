// Migrations through Prisma's own schema engine, compiled to WebAssembly, so that they run offline
// and record `_prisma_migrations` exactly as `prisma migrate deploy` would.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import {
  bindMigrationAwareSqlAdapterFactory,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
} from '@prisma/driver-adapter-utils';
import type { PrismaClient } from '../../../generated/prisma/client.ts';
import { projectRoot } from '../project-root.ts';
import { createPglite } from './connection.ts';
import { queryRows, sqlBuilder } from './sql.ts';
import type { MigrationList, SchemaEngine } from '@prisma/schema-engine-wasm';

const root = projectRoot;
export const schemaPath = join(root, 'prisma/schema.prisma');
export const migrationsDir = join(root, 'prisma/migrations');
const emptyFilters = { externalTables: [], externalEnums: [] };

type EngineBindings = typeof import('@prisma/schema-engine-wasm/schema_engine_bg');
let engineLoaded: Promise<EngineBindings> | undefined;

/**
 * The engine's JavaScript bindings with their WebAssembly instantiated, loaded on first use: a start
 * on an up-to-date database never needs them. Instantiated by hand: importing the .wasm directly
 * needs a Node flag on Node 22.
 */
function loadEngine(): Promise<EngineBindings> {
  engineLoaded ??= (async () => {
    const engineBindings = await import('@prisma/schema-engine-wasm/schema_engine_bg');
    const require = createRequire(import.meta.url);
    const wasmPath = join(require.resolve('@prisma/schema-engine-wasm/schema_engine_bg'), '../schema_engine_bg.wasm');
    const { instance } = await WebAssembly.instantiate(readFileSync(wasmPath), {
      './schema_engine_bg.js': engineBindings as unknown as WebAssembly.ModuleImports,
    });
    const exports = instance.exports as WebAssembly.Exports & { __wbindgen_start(): void };
    (engineBindings as unknown as { __wbg_set_wasm(w: unknown): void }).__wbg_set_wasm(exports);
    exports.__wbindgen_start();
    return engineBindings;
  })();
  return engineLoaded;
}

function schemaFiles() {
  return [{ path: schemaPath, content: readFileSync(schemaPath, 'utf8') }];
}

interface OpenEngine { engine: SchemaEngine; close(): Promise<void> }

/**
 * Opens the schema engine on the database of `adapterFactory`. `close()` also disposes the
 * connections the engine opened: on PostgreSQL its session holds the migration advisory lock
 * (pg_advisory_lock), which other instances starting at the same time wait for.
 */
async function openEngine(adapterFactory: SqlMigrationAwareDriverAdapterFactory): Promise<OpenEngine> {
  const engineBindings = await loadEngine();
  const opened: SqlDriverAdapter[] = [];
  const tracking = Object.create(adapterFactory, {
    connect: { value: async () => { const adapter = await adapterFactory.connect(); opened.push(adapter); return adapter; } },
    connectToShadowDb: { value: async () => { const adapter = await adapterFactory.connectToShadowDb(); opened.push(adapter); return adapter; } },
  }) as SqlMigrationAwareDriverAdapterFactory;
  const files = schemaFiles();
  const SchemaEngineClass = (engineBindings as unknown as { SchemaEngine: typeof SchemaEngine }).SchemaEngine;
  const engine = await SchemaEngineClass.new(
    { datamodels: files.map((f) => [f.path, f.content]) },
    () => {},
    bindMigrationAwareSqlAdapterFactory(tracking),
  );
  return {
    engine,
    close: async () => {
      engine.free();
      await Promise.all(opened.map((adapter) => adapter.dispose()));
    },
  };
}

function migrationNames(dir = migrationsDir): string[] {
  return existsSync(dir) ? readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort() : [];
}

/**
 * True when the database has recorded every migration of prisma/migrations as applied. Checked with
 * one query before the schema engine is loaded: on an up-to-date database (every start but the first
 * after a deployment) the engine's WebAssembly, 30 MB and most of the start-up time, is not needed.
 */
/** Prisma's record of applied migrations (its own table, not in the schema): the columns read here. */
type PrismaMigrationsTable = { _prisma_migrations: { migration_name: string; finished_at: Date | null; rolled_back_at: Date | null } };

export async function migrationsUpToDate(prisma: PrismaClient): Promise<boolean> {
  let applied: { migration_name: string }[];
  try {
    applied = await queryRows(prisma, sqlBuilder.withTables<PrismaMigrationsTable>().selectFrom('_prisma_migrations')
      .select('migration_name').where('finished_at', 'is not', null).where('rolled_back_at', 'is', null));
  } catch {
    return false; // no migrations table yet: a new database
  }
  const recorded = new Set(applied.map((row) => row.migration_name));
  return migrationNames().every((name) => recorded.has(name));
}

export function readMigrations(dir = migrationsDir): MigrationList {
  const lockPath = join(dir, 'migration_lock.toml');
  const names = migrationNames(dir);
  return {
    baseDir: dir,
    lockfile: { path: 'migration_lock.toml', content: existsSync(lockPath) ? readFileSync(lockPath, 'utf8') : null },
    shadowDbInitScript: '',
    migrationDirectories: names.map((name) => ({
      path: name,
      migrationFile: {
        path: 'migration.sql',
        content: { tag: 'ok', value: readFileSync(join(dir, name, 'migration.sql'), 'utf8') },
      },
    })),
  };
}

/** Applies every migration the database has not recorded yet; returns the names applied. */
export async function applyMigrations(adapterFactory: SqlMigrationAwareDriverAdapterFactory): Promise<string[]> {
  const { engine, close } = await openEngine(adapterFactory);
  try {
    const { appliedMigrationNames } = await engine.applyMigrations({ migrationsList: readMigrations(), filters: emptyFilters });
    return appliedMigrationNames;
  } finally {
    await close();
  }
}

/** The SQL that takes the (already migrated) database to prisma/schema.prisma. */
async function diffDatabaseToSchema(adapterFactory: SqlMigrationAwareDriverAdapterFactory): Promise<string> {
  const { engine, close } = await openEngine(adapterFactory);
  try {
    const files = schemaFiles();
    const result = await engine.diff({
      from: { tag: 'schemaDatasource', files, configDir: root },
      to: { tag: 'schemaDatamodel', files },
      script: true,
      exitCode: null,
      filters: emptyFilters,
    });
    return result.stdout ?? '';
  } finally {
    await close();
  }
}

/**
 * The SQL that prisma/migrations lacks to reach prisma/schema.prisma ('' when they agree).
 * The migrations are replayed into a scratch in-memory PGlite, standing in for Prisma's shadow
 * database; the answer is the same for every PostgreSQL the migrations are later applied to.
 */
export async function unmigratedSchemaChanges(): Promise<string> {
  const pglite = await createPglite('memory://');
  try {
    const { PrismaPGlite } = await import('pglite-prisma-adapter');
    const scratch = new PrismaPGlite(pglite);
    await applyMigrations(scratch);
    const sql = (await diffDatabaseToSchema(scratch)).trim();
    return sql === '-- This is an empty migration.' ? '' : sql;
  } finally {
    await pglite.close();
  }
}
