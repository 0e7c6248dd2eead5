// The project row in the database: locking it, recording activity on it, its derived progress, pages of its children.
import { Prisma, type PrismaClient } from '../../generated/prisma/client.ts';
import { allows, preconditionFailed, type VersionCondition } from '../core/entity-tags.ts';
import { notFound, projectArchived, validationFailed } from '../core/errors.ts';
import { INTERNAL_PROJECT_MESSAGE } from '../core/messages.ts';
import type { Tx, Db } from '../platform/database/transaction.ts';
import { type PageQuery, pageWindow, loadPage } from '../core/paging.ts';

interface ChildPageArgs<Where> { where: Where & { projectId: number }; orderBy: { id: 'asc' | 'desc' }; skip: number; take: number }

/**
 * One page of a project's children of one kind (newest first unless `order=asc`); 404 for an
 * unknown project. `rows` and `total` run the model's findMany and count with the arguments given.
 */
export async function projectChildrenPage<Row, Item, Where extends object = object>(
  prisma: PrismaClient,
  projectId: number,
  query: PageQuery,
  rows: (args: ChildPageArgs<Where>) => Prisma.PrismaPromise<Row[]>,
  total: (args: { where: Where & { projectId: number } }) => Prisma.PrismaPromise<number>,
  map: (row: Row) => Item,
  filter: Where = {} as Where,
) {
  await requireProject(prisma, projectId);
  const window = pageWindow(query);
  const where = { ...filter, projectId };
  return loadPage(window, rows({ where, orderBy: { id: window.order }, skip: window.skip, take: window.take }), total({ where }), map);
}

/**
 * Locks the project row for the rest of the transaction (or 404s), in one of PostgreSQL's row lock
 * modes:
 * - `update` (FOR NO KEY UPDATE) for changes to the project itself (its columns, assignees, tags);
 * - `delete` (FOR UPDATE) before deleting it, which waits for every change under it to end;
 * - `share` while only reading it for a copy, so that nothing changes it meanwhile;
 * - `key share` for a change under the project (a child added or removed): the row cannot be deleted
 *   until the transaction ends, but the project's own changes and other children's go on. Such a
 *   change writes the row last (its activity), so writers on one hot project wait for each other
 *   only for the end of each other's transactions rather than for the whole of them.
 * With an If-Match condition, a project whose version it does not allow is a 412. An archived
 * project refuses the change (422) unless `archived` is `allow`. Returns the version.
 */
export async function lockProject(tx: Tx, id: number, mode: keyof typeof ROW_LOCKS, ifMatch?: VersionCondition, archived: 'refuse' | 'allow' = 'refuse'): Promise<number> {
  const rows = await tx.$queryRaw<LockedProject[]>`
    SELECT version, archived_at IS NOT NULL AS archived FROM projects WHERE id = ${id} ${Prisma.raw(ROW_LOCKS[mode])}`;
  if (rows.length === 0) throw notFound('Project');
  const { version, archived: isArchived } = rows[0]!;
  if (!allows(ifMatch, version)) throw preconditionFailed(version);
  if (isArchived && archived === 'refuse') throw projectArchived();
  return version;
}

const ROW_LOCKS = { update: 'FOR NO KEY UPDATE', delete: 'FOR UPDATE', share: 'FOR SHARE', 'key share': 'FOR KEY SHARE' } as const;

interface LockedProject { version: number; archived: boolean }

/**
 * Records activity under a project (a child added or changed) in the project's own row: its
 * `last_activity_at`, and its version, since the project's representation (and so its ETag) changed.
 * This takes the row's write lock, so it comes last in a child's change; the project may have been
 * archived since the change began, which then refuses it (422) unless `archived` is `allow`.
 */
export async function touchProjectActivity(tx: Tx, projectId: number, archived: 'refuse' | 'allow' = 'refuse'): Promise<number> {
  const onlyActive = archived === 'refuse' ? Prisma.sql`AND archived_at IS NULL` : Prisma.empty;
  const [row] = await tx.$queryRaw<{ version: number }[]>`
    UPDATE projects SET last_activity_at = ${new Date()}, version = version + 1 WHERE id = ${projectId} ${onlyActive} RETURNING version`;
  // The caller's lock keeps the row from being deleted: no row means archived.
  if (!row) throw projectArchived();
  return row.version;
}


/** The client that a project's invoices and estimates are for; a 422 for an internal project, which has none. */
export async function billedClientId(tx: Tx, projectId: number): Promise<number> {
  const { clientId } = await tx.project.findUniqueOrThrow({ where: { id: projectId }, select: { clientId: true } });
  if (clientId === null) throw validationFailed({ id: [INTERNAL_PROJECT_MESSAGE] });
  return clientId;
}

/**
 * Spread into the data of every update of a project row: each change gives the project a new ETag
 * and is its latest activity.
 */
export function nextVersion() {
  const now = new Date();
  return { version: { increment: 1 }, updatedAt: now, lastActivityAt: now } as const;
}

export async function requireProject(db: Db, id: number): Promise<void> {
  const found = await db.project.findUnique({ where: { id }, select: { id: true } });
  if (!found) throw notFound('Project');
}

/**
 * Re-derives a project's progress from its tasks unless it is in manual mode. The row is locked in
 * a statement of its own, so that the update's count, whose snapshot is taken after the lock, sees
 * every task of the changes that held the row before (FOR NO KEY UPDATE: a change that holds the row
 * FOR KEY SHARE, as a child's does, can still take it).
 */
export async function refreshDerivedProgress(tx: Tx, projectId: number): Promise<void> {
  await tx.$queryRaw`SELECT 1 FROM projects WHERE id = ${projectId} FOR NO KEY UPDATE`;
  const now = new Date();
  await tx.$executeRaw`
    UPDATE projects p
       SET progress = counted.progress, version = p.version + 1, updated_at = ${now}, last_activity_at = ${now}
      FROM (SELECT COALESCE(100 * count(*) FILTER (WHERE status = 'completed') / NULLIF(count(*), 0), 0)::int AS progress
              FROM tasks WHERE project_id = ${projectId}) counted
     WHERE p.id = ${projectId} AND NOT p.progress_manually`;
}
