// A project's timers in the database, where Prisma's API does not say it in one statement.
import { sql } from 'kysely';
import { executeStatement, sqlBuilder } from '../../platform/database/sql.ts';
import type { Tx } from '../../platform/database/transaction.ts';

/** Stops every running timer of the project in one statement, all at the same end time, each with its whole-second duration; returns how many. */
export function stopRunningTimers(tx: Tx, projectId: number): Promise<number> {
  return executeStatement(tx, sqlBuilder.updateTable('timers')
    .set((eb) => ({
      stopped_at: sql<Date>`now()`,
      duration_seconds: sql<number>`GREATEST(0, FLOOR(EXTRACT(EPOCH FROM (now() - ${eb.ref('started_at')}))))::int`,
    }))
    .where('project_id', '=', projectId)
    .where('stopped_at', 'is', null));
}
