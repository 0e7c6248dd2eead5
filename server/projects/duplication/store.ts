// Duplications in the database, where Prisma's API does not say it in one statement: the locks a
// copy's steps take, the claim of a run, and the counts that plan a copy.
import { sql } from 'kysely';
import type { DuplicationStatus } from '../../../generated/kysely/database.ts';
import { executeStatement, queryRows, sqlBuilder } from '../../platform/database/sql.ts';
import type { Tx } from '../../platform/database/transaction.ts';
import type { PrismaClient } from '../../../generated/prisma/client.ts';

const status = (value: DuplicationStatus) => sql.lit(value);

/** Locks the duplication's row for the rest of the transaction (other runs wait here). */
export async function lockDuplicationRow(tx: Tx, id: number): Promise<void> {
  await queryRows(tx, sqlBuilder.selectFrom('project_duplications').select('id').where('id', '=', id).forUpdate());
}

/** Locks the source project's row against changes for the rest of the transaction; false when it no longer exists. */
export async function shareLockSource(tx: Tx, projectId: number): Promise<boolean> {
  const rows = await queryRows(tx, sqlBuilder.selectFrom('projects').select('id').where('id', '=', projectId).forShare());
  return rows.length > 0;
}

/** Claims a queued or running duplication for one more attempt; undefined when it has finished. */
export async function claimDuplication(prisma: PrismaClient, id: number): Promise<{ attempts: number } | undefined> {
  const [claimed] = await queryRows(prisma, sqlBuilder.updateTable('project_duplications')
    .set((eb) => ({
      status: status('running'),
      attempts: eb('attempts', '+', eb.lit(1)),
      started_at: sql<Date>`COALESCE(${eb.ref('started_at')}, now())`,
    }))
    .where('id', '=', id)
    .where('status', 'in', [status('queued'), status('running')])
    .returning('attempts'));
  return claimed;
}

/** How many rows of each kind a copy of the project would make, and the span of its tasks' and milestones' due dates. */
export async function sourceCounts(tx: Tx, sourceId: number) {
  const [counts] = await queryRows(tx, sqlBuilder.selectNoFrom((eb) => {
    const count = (table: 'milestones' | 'tasks' | 'invoices' | 'estimates' | 'project_files' | 'project_comments') =>
      sql<number>`${eb.selectFrom(table).select(eb.fn.countAll().as('n')).where('project_id', '=', sourceId)}::int`;
    const dues = () => eb.selectFrom('tasks').select('date_due as d').where('project_id', '=', sourceId)
      .unionAll(eb.selectFrom('milestones').select('date_due as d').where('project_id', '=', sourceId))
      .as('dues');
    return [
      count('milestones').as('milestones'),
      count('tasks').as('tasks'),
      sql<number>`${eb.selectFrom('task_checklist_items as c').innerJoin('tasks as t', 't.id', 'c.task_id')
        .select(eb.fn.countAll().as('n')).where('t.project_id', '=', sourceId)}::int`.as('checklist'),
      sql<number>`${eb.selectFrom('task_files as f').innerJoin('tasks as t', 't.id', 'f.task_id')
        .select(eb.fn.countAll().as('n')).where('t.project_id', '=', sourceId)}::int`.as('task_files'),
      count('invoices').as('invoices'),
      count('estimates').as('estimates'),
      count('project_files').as('files'),
      count('project_comments').as('comments'),
      sql<Date | null>`${eb.selectFrom(dues()).select((d) => d.fn.min('dues.d').as('d'))}`.as('earliest_due'),
      sql<Date | null>`${eb.selectFrom(dues()).select((d) => d.fn.max('dues.d').as('d'))}`.as('latest_due'),
    ];
  }));
  return counts!;
}

/**
 * Lets the duplications that name a project forget it, before it is deleted: the references leave
 * the organization out of nothing they hold (both columns are in one key with it), so they are
 * cleared here rather than by ON DELETE SET NULL, which would clear the organization too.
 */
export async function forgetProjectInDuplications(tx: Tx, projectId: number): Promise<void> {
  await executeStatement(tx, sqlBuilder.updateTable('project_duplications')
    .set((eb) => ({
      source_project_id: eb.case().when('source_project_id', '=', projectId).then(null).else(eb.ref('source_project_id')).end(),
      project_id: eb.case().when('project_id', '=', projectId).then(null).else(eb.ref('project_id')).end(),
    }))
    .where((eb) => eb.or([eb('source_project_id', '=', projectId), eb('project_id', '=', projectId)])));
}
