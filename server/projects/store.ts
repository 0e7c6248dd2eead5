// The project row in the database: locking it, recording activity on it, its derived progress, pages of its children.
import type { Prisma, PrismaClient } from '../../generated/prisma/client.ts';
import { type SelectQueryBuilder, sql } from 'kysely';
import { allows, preconditionFailed, type VersionCondition } from '../core/entity-tags.ts';
import { notFound, projectArchived, validationFailed } from '../core/errors.ts';
import { INTERNAL_PROJECT_MESSAGE } from '../core/messages.ts';
import type { Tx, Db } from '../platform/database/transaction.ts';
import { compileOnce, type DB, executeStatement, queryRows, sqlBuilder } from '../platform/database/sql.ts';
import type { UserRole } from '../../generated/kysely/database.ts';
import { type Actor, type EventDraft, type EventType, organizationSubscribed } from '../platform/outbox.ts';
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
  const rows = await queryRows(tx, lockStatements[mode](id));
  if (rows.length === 0) throw notFound('Project');
  const { version, archived: isArchived } = rows[0]!;
  if (!allows(ifMatch, version)) throw preconditionFailed(version);
  if (isArchived && archived === 'refuse') throw projectArchived();
  return version;
}

type ProjectSelect<O> = SelectQueryBuilder<DB, 'projects', O>;

const ROW_LOCKS = {
  update: (query) => query.forNoKeyUpdate(),
  delete: (query) => query.forUpdate(),
  share: (query) => query.forShare(),
  'key share': (query) => query.forKeyShare(),
} as const satisfies Record<string, <O>(query: ProjectSelect<O>) => ProjectSelect<O>>;

// The statements below run on every write: each is built and compiled once (compileOnce).
const lockStatement = (mode: keyof typeof ROW_LOCKS) => compileOnce((id: number) => ROW_LOCKS[mode](sqlBuilder.selectFrom('projects')
  .select((eb) => ['version', eb('archived_at', 'is not', null).as('archived')])
  .where('id', '=', id)));
const lockStatements = { update: lockStatement('update'), delete: lockStatement('delete'), share: lockStatement('share'), 'key share': lockStatement('key share') };

const touchStatement = (archived: 'refuse' | 'allow') => compileOnce((projectId: number, now: Date, actorId: number | null) => sqlBuilder.updateTable('projects')
  .set((eb) => ({ last_activity_at: now, last_actor_id: actorId, version: eb('version', '+', eb.lit(1)) }))
  .where('id', '=', projectId)
  .$if(archived === 'refuse', (query) => query.where('archived_at', 'is', null))
  .returning('version'));
const touchStatements = { refuse: touchStatement('refuse'), allow: touchStatement('allow') };

/**
 * Records activity under a project (a child added or changed) in the project's own row: its
 * `last_activity_at` and `last_actor` (team user `actorId`), and its version, since the project's
 * representation (and so its ETag) changed.
 * This takes the row's write lock, so it comes last in a child's change; the project may have been
 * archived since the change began, which then refuses it (422) unless `archived` is `allow`.
 */
export async function touchProjectActivity(tx: Tx, projectId: number, actorId: number | null, archived: 'refuse' | 'allow' = 'refuse'): Promise<number> {
  const [row] = await queryRows(tx, touchStatements[archived](projectId, new Date(), actorId));
  // The caller's lock keeps the row from being deleted: no row means archived.
  if (!row) throw projectArchived();
  return row.version;
}

/**
 * A change under a project ends with one statement: the project's activity (`last_activity_at` and
 * `last_actor`, a new version) and the event, both naming the actor. It takes the project row's
 * write lock, held from here to the commit, one round trip shorter than the touch and the event apart; and it re-checks the archive rule, since
 * the project may have been archived while the change ran (the caller holds the row FOR KEY SHARE,
 * so no row means archived).
 */
const touchWithEventStatement = compileOnce((projectId: number, now: Date, type: EventType, apiKeyId: number, userId: number | null, changedFields: string[], previous: string | null, data: string) => sqlBuilder
  .with('touched', (db) => db.updateTable('projects')
    .set((eb) => ({ last_activity_at: now, last_actor_id: userId, version: eb('version', '+', eb.lit(1)) }))
    .where('id', '=', projectId)
    .where('archived_at', 'is', null)
    .returning('id'))
  .insertInto('events')
  .columns(['type', 'project_id', 'api_key_id', 'user_id', 'changed_fields', 'previous', 'data'])
  .expression((eb) => eb.selectFrom('touched').select([
    sql<string>`${type}`.as('type'),
    'touched.id',
    sql<number>`${apiKeyId}`.as('api_key_id'),
    sql<number | null>`${userId}::int`.as('user_id'),
    sql<string[]>`${changedFields}::text[]`.as('changed_fields'),
    sql`${previous}::jsonb`.as('previous'),
    sql`${data}::jsonb`.as('data'),
  ]))
  .returning(organizationSubscribed));

/** Answers, as insertEvent does, whether a webhook subscription of the organization is enabled. */
export async function touchProjectWithEvent(tx: Tx, projectId: number, type: EventType, actor: Actor, draft: EventDraft): Promise<boolean> {
  const [written] = await queryRows(tx, touchWithEventStatement(projectId, new Date(), type, actor.apiKeyId, actor.userId, draft.changedFields,
    draft.previous === null ? null : JSON.stringify(draft.previous), JSON.stringify(draft.data)));
  if (written === undefined) throw projectArchived();
  return written.subscribed;
}

/** The client that a project's invoices and estimates are for; a 422 for an internal project, which has none. */
export async function billedClientId(tx: Tx, projectId: number): Promise<number> {
  const { clientId } = await tx.project.findFirstOrThrow({ where: { id: projectId }, select: { clientId: true } });
  if (clientId === null) throw validationFailed({ id: [INTERNAL_PROJECT_MESSAGE] });
  return clientId;
}

/**
 * Spread into the data of every update of a project row: each change gives the project a new ETag
 * and is its latest activity, by team user `actorId`.
 */
export function nextVersion(actorId: number | null) {
  const now = new Date();
  return { version: { increment: 1 }, updatedAt: now, lastActivityAt: now, lastActorId: actorId } as const;
}

export async function requireProject(db: Db, id: number): Promise<void> {
  const found = await db.project.findFirst({ where: { id: id }, select: { id: true } });
  if (!found) throw notFound('Project');
}

/**
 * Re-derives a project's progress from its tasks unless it is in manual mode. The row is locked in
 * a statement of its own, so that the update's count, whose snapshot is taken after the lock, sees
 * every task of the changes that held the row before (FOR NO KEY UPDATE: a change that holds the row
 * FOR KEY SHARE, as a child's does, can still take it).
 */
const lockForProgress = compileOnce((projectId: number) => sqlBuilder.selectFrom('projects').select(sql<number>`1`.as('locked')).where('id', '=', projectId).forNoKeyUpdate());
const updateProgress = compileOnce((projectId: number, now: Date, actorId: number | null) => sqlBuilder.updateTable('projects as p')
  .from(sqlBuilder.selectFrom('tasks')
    .select((eb) => sql<number>`COALESCE(100 * count(*) FILTER (WHERE ${eb.ref('status')} = 'completed') / NULLIF(count(*), 0), 0)::int`.as('progress'))
    .where('project_id', '=', projectId)
    .as('counted'))
  .set((eb) => ({ progress: eb.ref('counted.progress'), version: eb('p.version', '+', eb.lit(1)), updated_at: now, last_activity_at: now, last_actor_id: actorId }))
  .where('p.id', '=', projectId)
  .where((eb) => eb.not(eb.ref('p.progress_manually'))));

export async function refreshDerivedProgress(tx: Tx, projectId: number, actorId: number | null): Promise<void> {
  await queryRows(tx, lockForProgress(projectId));
  await executeStatement(tx, updateProgress(projectId, new Date(), actorId));
}

/**
 * Lets the projects cloned from template `templateId` forget it, before it is deleted: cleared here
 * rather than by ON DELETE SET NULL, which would clear the organization too (as for duplications).
 */
export async function forgetTemplate(tx: Tx, templateId: number): Promise<void> {
  await executeStatement(tx, sqlBuilder.updateTable('projects').set({ template_id: null }).where('template_id', '=', templateId));
}

const referencesStatement = compileOnce((client: number | null, category: number | null, creator: number | null) => {
  const given = (id: number | null) => sql<number | null>`${id}::int`;
  return sqlBuilder.selectNoFrom((eb) => [
    eb.selectFrom('clients').select('company_name').where('id', '=', given(client)).as('client_name'),
    sql<boolean>`(${given(category)} IS NULL OR ${eb.exists(eb.selectFrom('categories').select(sql`1`.as('one')).where('id', '=', given(category)))})`.as('category'),
    sql<boolean>`(${given(creator)} IS NULL OR ${eb.exists(eb.selectFrom('users').select(sql`1`.as('one')).where('id', '=', given(creator)))})`.as('creator'),
    eb.selectFrom('users').select('id').where('role', '=', sql.lit<UserRole>('admin')).orderBy('id').limit(sql.lit(1)).$asScalar().as('admin'),
  ]);
});

/**
 * In one statement: the company name of client `client` (null when there is none), whether category
 * `category` and user `creator` exist (true when not given), and the main administrator (the first
 * admin user), a new project's default creator.
 */
export async function projectReferences(db: Db, client: number | null, category: number | null, creator: number | null) {
  const [found] = await queryRows(db, referencesStatement(client, category, creator));
  return found!;
}
