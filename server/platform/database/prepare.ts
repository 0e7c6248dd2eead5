// Brings a database to the current schema and makes sure the main administrator exists.
import type { Logger } from 'pino';
import { Prisma } from '../../../generated/prisma/client.ts';
import type { Database } from './connection.ts';
import { applyMigrations, migrationsUpToDate } from './migrations.ts';
import { asSystem, FIRST_ORGANIZATION_ID } from './tenancy.ts';

/** Migrates and, in the first organization (which the migrations create), makes the main administrator. */
export function prepareDatabase(db: Database, adminEmail: string, logger?: Logger): Promise<void> {
  return asSystem(() => prepareAsSystem(db, adminEmail, logger));
}

async function prepareAsSystem(db: Database, adminEmail: string, logger?: Logger): Promise<void> {
  if (!(await migrationsUpToDate(db.prisma))) {
    const applied = await applyMigrations(db.adapterFactory);
    if (applied.length > 0) logger?.info({ migrations: applied }, 'applied database migrations');
  }
  const hasAdmin = await db.prisma.user.findFirst({ where: { organizationId: FIRST_ORGANIZATION_ID, role: 'admin' }, select: { id: true } });
  if (hasAdmin) return;
  try {
    await db.prisma.user.create({ data: { organizationId: FIRST_ORGANIZATION_ID, firstName: 'Main', lastName: 'Administrator', email: adminEmail, role: 'admin' } });
    logger?.info({ email: adminEmail }, 'created the main administrator');
  } catch (error) {
    // Another instance starting at the same moment created it first.
    if (!(error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002')) throw error;
  }
}
