// Opens the configured database: PostgreSQL through @prisma/adapter-pg, or the embedded PGlite.
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaClient } from '../../generated/prisma/client.ts';
import type { Config } from '../config.ts';
import { claimDataDirectory, type DataDirectoryClaim } from './data-directory.ts';

export interface Database {
  prisma: PrismaClient;
  /** The adapter factory, also used by the schema engine to migrate the same database. */
  adapterFactory: SqlMigrationAwareDriverAdapterFactory;
  kind: 'postgresql' | 'pglite';
  /** An embedded database kept in a directory: this process's exclusive hold on it. */
  dataDirectory?: DataDirectoryClaim;
  close(): Promise<void>;
}

/** An embedded PostgreSQL with the extensions the migrations use (pg_trgm backs the title search). */
export function createPglite(dataDir: string): Promise<PGlite> {
  return PGlite.create(dataDir, { extensions: { pg_trgm } });
}

/**
 * `role` names this process to others that find the embedded database's directory taken
 * (`server`, `keys create`, …); opening a directory another process owns throws DataDirectoryInUse.
 */
export async function openDatabase(config: Pick<Config, 'databaseUrl' | 'pgliteDataDir' | 'databasePoolSize'>, role = 'server'): Promise<Database> {
  if (config.databaseUrl) {
    const adapterFactory = new PrismaPg({ connectionString: config.databaseUrl, max: config.databasePoolSize });
    const prisma = new PrismaClient({ adapter: adapterFactory });
    return { prisma, adapterFactory, kind: 'postgresql', close: () => prisma.$disconnect() };
  }
  const dataDirectory = config.pgliteDataDir.startsWith('memory://') ? undefined : await claimDataDirectory(config.pgliteDataDir, role);
  let pglite: PGlite;
  try {
    pglite = await createPglite(dataDirectory?.directory ?? config.pgliteDataDir);
  } catch (error) {
    await dataDirectory?.release();
    throw error;
  }
  const adapterFactory = new PrismaPGlite(pglite);
  const prisma = new PrismaClient({ adapter: adapterFactory });
  return {
    prisma,
    adapterFactory,
    kind: 'pglite',
    dataDirectory,
    close: async () => {
      try {
        await prisma.$disconnect();
        await pglite.close();
      } finally {
        // Only once the files are closed may another process open them.
        await dataDirectory?.release();
      }
    },
  };
}
