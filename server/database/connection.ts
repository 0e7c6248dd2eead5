// Opens the configured database: PostgreSQL through @prisma/adapter-pg, or the embedded PGlite.
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaClient } from '../../generated/prisma/client.ts';
import type { Config } from '../config.ts';

export interface Database {
  prisma: PrismaClient;
  /** The adapter factory, also used by the schema engine to migrate the same database. */
  adapterFactory: SqlMigrationAwareDriverAdapterFactory;
  kind: 'postgresql' | 'pglite';
  close(): Promise<void>;
}

export async function openDatabase(config: Pick<Config, 'databaseUrl' | 'pgliteDataDir' | 'databasePoolSize'>): Promise<Database> {
  if (config.databaseUrl) {
    const adapterFactory = new PrismaPg({ connectionString: config.databaseUrl, max: config.databasePoolSize });
    const prisma = new PrismaClient({ adapter: adapterFactory });
    return { prisma, adapterFactory, kind: 'postgresql', close: () => prisma.$disconnect() };
  }
  if (!config.pgliteDataDir.startsWith('memory://')) mkdirSync(config.pgliteDataDir, { recursive: true });
  const pglite = await PGlite.create(config.pgliteDataDir);
  const adapterFactory = new PrismaPGlite(pglite);
  const prisma = new PrismaClient({ adapter: adapterFactory });
  return {
    prisma,
    adapterFactory,
    kind: 'pglite',
    close: async () => {
      await prisma.$disconnect();
      await pglite.close();
    },
  };
}
