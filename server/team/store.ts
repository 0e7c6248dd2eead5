// Team users in the database.
import type { Db } from '../platform/database/transaction.ts';

/** The main administrator (the first admin user): who a project or comment is by unless the request says. */
export async function mainAdministratorId(db: Db): Promise<number> {
  const admin = await db.user.findFirstOrThrow({ where: { role: 'admin' }, orderBy: { id: 'asc' }, select: { id: true } });
  return admin.id;
}
