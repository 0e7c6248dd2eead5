// Handlers for the project operations, one function per operationId.
import type { components } from '../../generated/api-types.ts';
import type { Prisma } from '../../generated/prisma/client.ts';
import { CLONE_START, copyChildren, createClonedProject, planClone } from './duplication/clone.ts';
import { queueDuplication } from './duplication/jobs.ts';
import { findProjectView, insertProjectView, type ListStatements, projectCursor, projectListStatements, type ListQuery, type ProjectInsert, type ProjectListRow } from './view.ts';
import { allows, entityTag, preconditionFailed, type VersionCondition } from '../core/entity-tags.ts';
import { FieldErrorCollector, notFound, projectArchived, validationFailed } from '../core/errors.ts';
import { invalidSelection } from '../core/messages.ts';
import { numberScope } from './numbers.ts';
import { customFieldsNamed, customValuesChanging, writeCustomValues } from './custom-fields/store.ts';
import { customFieldFilters } from './custom-fields/filters.ts';
import { changedEntries, sameValue } from '../core/same-value.ts';
import { PROJECT_EXTRAS, type ProjectExtra, toProject, toProjectWithExtras } from './mapping.ts';
import { bodyChecks } from './rules.ts';
import type { Handler } from '../contract/operations.ts';
import { forgetTemplate, lockProject, nextVersion, refreshDerivedProgress, touchProjectActivity } from './store.ts';
import { forgetProjectInDuplications } from './duplication/store.ts';
import { stopRunningTimers } from './timers/store.ts';
import { calendarDate, parseCalendarDate } from '../core/dates.ts';
import { idName } from '../team/mapping.ts';
import { toProjectDuplication } from './duplication/mapping.ts';
import type { Db } from '../platform/database/transaction.ts';
import { queryRows } from '../platform/database/sql.ts';
import { loadPage, type PageWindow, pageWindow } from '../core/paging.ts';
import { isOn, mustNotPrecede } from '../core/field-rules.ts';
import { rowKey } from '../platform/database/tenancy.ts';

/** The body fields kept outside the projects row: custom field values (server/projects/custom-fields/store.ts). */
type ValuesElsewhere = 'project_custom_fields';
type CreateBody = components['schemas']['ProjectCreateBody'];
type UpdateBody = components['schemas']['ProjectUpdateBody'];
type ProjectColumns = ProjectInsert;

/**
 * How each field of a body sets the project's columns, one entry per field of the generated body
 * type: a field added to the spec does not compile until it is written somewhere.
 */
type ColumnWriters<Body> = { [Field in Exclude<keyof Body, ValuesElsewhere>]-?: (value: Exclude<Body[Field], undefined>) => Partial<ProjectColumns> };

const updateColumnWriters = {
  project_title: (title) => ({ title }),
  project_creatorid: (creatorId) => ({ creatorId }),
  project_categoryid: (categoryId) => ({ categoryId }),
  project_date_start: (start) => ({ dateStart: parseCalendarDate(start) }),
  project_date_due: (due) => ({ dateDue: due === null ? null : parseCalendarDate(due) }),
  project_description: (description) => ({ description }),
  project_reference: (reference) => ({ reference }),
  project_billing_type: (billingType) => ({ billingType }),
  project_billing_rate: (rate) => ({ billingRate: rate.toFixed(2) }),
  project_billing_estimated_hours: (hours) => ({ billingEstimatedHours: hours.toFixed(2) }),
  project_billing_costs_estimate: (costs) => ({ billingCostsEstimate: costs.toFixed(2) }),
  project_progress_manually: (flag) => ({ progressManually: isOn(flag) }),
  clientperm_tasks_view: (flag) => ({ clientpermTasksView: isOn(flag) }),
  clientperm_tasks_collaborate: (flag) => ({ clientpermTasksCollaborate: isOn(flag) }),
  clientperm_tasks_create: (flag) => ({ clientpermTasksCreate: isOn(flag) }),
  clientperm_timesheets_view: (flag) => ({ clientpermTimesheetsView: isOn(flag) }),
  clientperm_expenses_view: (flag) => ({ clientpermExpensesView: isOn(flag) }),
  assignedperm_tasks_collaborate: (flag) => ({ assignedpermTasksCollaborate: isOn(flag) }),
  project_is_template: (flag) => ({ isTemplate: isOn(flag) }),
} satisfies ColumnWriters<UpdateBody>;

const createColumnWriters = {
  ...updateColumnWriters,
  project_clientid: (clientId) => ({ clientId }),
  project_type: (projectType) => ({ projectType }),
} satisfies ColumnWriters<CreateBody>;

/** The columns a body sets; fields that are absent stay as they are (or take the column's default). */
function columnsOf<Body extends object>(body: Body, writers: ColumnWriters<Body>): Partial<ProjectColumns> {
  const data: Partial<ProjectColumns> = {};
  for (const field of Object.keys(writers) as Exclude<keyof Body, ValuesElsewhere>[]) {
    const value = body[field];
    // `writers[field]` takes this very field's value; TypeScript cannot pair the two over a union of keys.
    if (value !== undefined) Object.assign(data, (writers[field] as (v: unknown) => Partial<ProjectColumns>)(value));
  }
  return data;
}

/** The project as the API shows it (with the extras asked for), with its ETag. */
async function loadProject(db: Db, id: number, include: readonly ProjectExtra[] = []) {
  // The extras' rows are read only for a client that asks for them.
  const found = include.length > 0
    ? await findProjectView(db, id, { extras: true }).then((row) => row && { data: toProjectWithExtras(row, include), version: row.version })
    : await findProjectView(db, id).then((row) => row && { data: toProject(row), version: row.version });
  if (!found) throw notFound('Project');
  return { data: found.data, etag: entityTag(found.version) };
}

type ProjectField = NonNullable<ListQuery['fields']>[number];
type ListItem = components['schemas']['Project'] | components['schemas']['ProjectFieldset'];

/** With `fields`, a project keeps only `id` and the fields named. */
function fieldset(fields: ProjectField[] | undefined): (project: components['schemas']['Project']) => ListItem {
  if (!fields) return (project) => project;
  const kept = new Set<ProjectField>(['id', ...fields]);
  return (project) => Object.fromEntries(Object.entries(project).filter(([field]) => kept.has(field as ProjectField))) as components['schemas']['ProjectFieldset'];
}

/** The extras a list shows: those of `include`, or those named in `fields`. */
function listExtras(query: ListQuery): readonly ProjectExtra[] {
  if (query.fields) return PROJECT_EXTRAS.filter((extra) => query.fields!.includes(extra));
  return query.include ?? [];
}

export const listProjects: Handler<'listProjects'> = async ({ prisma, query: asked }) => {
  const query: ListQuery = { ...asked, custom_fields: customFieldFilters(asked.custom_fields, asked.custom_field_filter) };
  const window = pageWindow(query);
  const customFields = await customFieldsNamed(prisma, query.custom_fields, query.sort_custom_field);
  const extras = listExtras(query);
  const shown = fieldset(query.fields);
  // The extras' rows are joined only for a list that shows some.
  return extras.length > 0
    ? listPage(prisma, query, window, projectListStatements(query, window, customFields, { extras: true }), (row) => shown(toProjectWithExtras(row, extras)))
    : listPage(prisma, query, window, projectListStatements(query, window, customFields), (row) => shown(toProject(row)));
};

/** A page of the list: its rows as `item` shows them, the total (in page mode) and the next page's cursor. */
async function listPage<Row extends ProjectListRow>(db: Db, query: ListQuery, window: PageWindow, statements: ListStatements<Row>, item: (row: Row) => ListItem) {
  const message = 'Projects retrieved successfully.' as const;
  // A sort by a custom field pages by `page` only.
  const cursorAfter = (row: Row | undefined) => (row && query.sort_custom_field === undefined ? projectCursor(query, window.order, row) : null);
  if (!statements.count) {
    const rows = await queryRows(db, statements.page);
    const page = rows.slice(0, window.take);
    const next_cursor = rows.length > window.take ? cursorAfter(page.at(-1)) : null;
    return { status: 200 as const, body: { data: page.map(item), meta: { per_page: window.take, after: query.after!, next_cursor }, message } };
  }
  const page = await loadPage(
    window,
    queryRows(db, statements.page),
    queryRows(db, statements.count).then(([row]) => row!.total),
    (row) => row,
  );
  const next_cursor = window.skip + page.data.length < page.meta.total ? cursorAfter(page.data.at(-1)) : null;
  return { status: 200 as const, body: { data: page.data.map(item), meta: { ...page.meta, next_cursor }, message } };
}

export const getProject: Handler<'getProject'> = async ({ prisma, path, query }) => {
  const { data, etag } = await loadProject(prisma, path.id, query.include);
  return { status: 200, body: { data, message: 'Project retrieved successfully.' }, etag };
};

/**
 * The body checks (one statement, which also finds the default creator and the client's name), the
 * number taken, then the row inserted and read back, in the transaction its event is recorded in.
 * Clients, categories and team users cannot be deleted, so a reference checked here is still valid when
 * the row is inserted.
 */
export const createProject: Handler<'createProject'> = async ({ prisma, path, body, projectNumberFormat, caller }) => {
  const errors = new FieldErrorCollector();
  const { mainAdministratorId, clientCompanyName, customValues } = await bodyChecks.createProject(prisma, { path, body }, errors);
  errors.throwIfAny();
  const client = body.project_clientid === undefined ? null : { id: body.project_clientid, companyName: clientCompanyName! };
  // The schema and the checks require title, category, start date and (but for internal projects) the client.
  let row = await insertProjectView(prisma, caller.userId, { ...columnsOf(body, createColumnWriters), creatorId: body.project_creatorid ?? mainAdministratorId }, numberScope(projectNumberFormat, client));
  if (customValues.set.length > 0) {
    await writeCustomValues(prisma, row.id, customValues);
    row = (await findProjectView(prisma, row.id))!;
  }
  return { status: 201, body: { data: toProject(row), message: 'Project created successfully.' }, etag: entityTag(row.version) };
};

/**
 * Only what differs from the stored project is a change: a field sent with its current value changes
 * nothing, so an archived project accepts it (the Grow page's PATCH sends title, category and start
 * date together) and a body that changes nothing leaves the project as it was, its ETag and
 * `dates.updated` included (and so records no event).
 */
export const updateProject: Handler<'updateProject'> = async ({ prisma, path, body, ifMatch, caller }) => {
  const { data, etag } = await prisma.$transaction(async (tx) => {
    await lockProject(tx, path.id, 'update', ifMatch, 'allow');
    const current = await tx.project.findFirstOrThrow({ where: { id: path.id } });
    const columns = changedEntries(current, columnsOf(body, updateColumnWriters));
    const fieldsChanging = (Object.keys(body) as (keyof UpdateBody)[])
      .filter((field) => field !== 'project_custom_fields' && Object.keys(changedEntries(current, columnsOf({ [field]: body[field] } as UpdateBody, updateColumnWriters))).length > 0);
    const refuseOnArchived = (fields: string[]) => {
      const refused = fields.filter((field) => field !== 'project_title');
      if (current.archivedAt && refused.length > 0) throw projectArchived(refused);
    };
    refuseOnArchived(fieldsChanging);
    const errors = new FieldErrorCollector();
    // The rule holds for the resulting pair, whichever of the two dates the body changes.
    const start = body.project_date_start ?? calendarDate(current.dateStart);
    const due = body.project_date_due !== undefined ? body.project_date_due : current.dateDue && calendarDate(current.dateDue);
    mustNotPrecede(errors, 'project_date_due', due, 'project_date_start', start);
    const customValues = await customValuesChanging(tx, path.id, await bodyChecks.updateProject(tx, { path, body }, errors));
    errors.throwIfAny();
    const customChanging = customValues.set.length + customValues.removed.length > 0;
    refuseOnArchived(customChanging ? ['project_custom_fields'] : []);
    if (Object.keys(columns).length === 0 && !customChanging) return loadProject(tx, path.id);
    await tx.project.update({ where: rowKey(path.id), data: { ...columns, ...nextVersion(caller.userId) } });
    await writeCustomValues(tx, path.id, customValues);
    if (current.progressManually && body.project_progress_manually === 'off') await refreshDerivedProgress(tx, path.id, caller.userId);
    return loadProject(tx, path.id);
  });
  return { status: 200, body: { data, message: 'Project updated successfully.' }, etag };
};

export const deleteProject: Handler<'deleteProject'> = async ({ prisma, path }) => {
  await prisma.$transaction(async (tx) => {
    await lockProject(tx, path.id, 'delete', undefined, 'allow');
    await forgetProjectInDuplications(tx, path.id);
    await forgetTemplate(tx, path.id);
    // Every child table references projects with ON DELETE CASCADE: one statement removes them all.
    await tx.project.delete({ where: rowKey(path.id) });
  });
  return { status: 200, body: { data: { id: path.id }, message: 'Project deleted successfully.' } };
};

/** The same set of team users again changes nothing: the project keeps its ETag and `dates.updated`. */
export const assignProject: Handler<'assignProject'> = async ({ prisma, path, body, ifMatch, caller }) => {
  const userIds = [...new Set(body.assigned)];
  const { assigned, version } = await prisma.$transaction(async (tx) => {
    const locked = await lockProject(tx, path.id, 'update', ifMatch, 'allow');
    const errors = new FieldErrorCollector();
    const users = await bodyChecks.assignProject(tx, { path, body }, errors);
    errors.throwIfAny();
    const held = await tx.projectAssignee.findMany({ where: { projectId: path.id }, select: { userId: true } });
    const assigned = users.sort((a, b) => a.id - b.id).map(idName);
    if (sameValue(held.map((a) => a.userId).sort((a, b) => a - b), userIds.sort((a, b) => a - b))) return { assigned, version: locked };
    await tx.projectAssignee.deleteMany({ where: { projectId: path.id } });
    await tx.projectAssignee.createMany({ data: userIds.map((userId) => ({ projectId: path.id, userId })) });
    return { assigned, version: await bumpActiveProject(tx, path.id, caller.userId) };
  });
  return { status: 200, body: { data: { id: path.id, assigned }, message: 'Project assignees updated successfully.' }, etag: entityTag(version) };
};

/** The current manager again changes nothing. */
export const setProjectManager: Handler<'setProjectManager'> = async ({ prisma, path, body, ifMatch, caller }) => {
  const { managers, version } = await prisma.$transaction(async (tx) => {
    const locked = await lockProject(tx, path.id, 'update', ifMatch, 'allow');
    const manager = body.manager === null
      ? null
      : await tx.user.findFirst({ where: { id: body.manager }, select: { id: true, firstName: true, lastName: true } });
    if (body.manager !== null && !manager) throw validationFailed({ manager: [invalidSelection('manager')] });
    const managers = manager ? [idName(manager)] : [];
    const { managerId } = await tx.project.findFirstOrThrow({ where: { id: path.id }, select: { managerId: true } });
    if (managerId === (manager?.id ?? null)) return { managers, version: locked };
    const { version } = await tx.project.update({ where: rowKey(path.id), data: { managerId: manager?.id ?? null, ...nextVersion(caller.userId) }, select: { version: true } });
    return { managers, version };
  });
  return { status: 200, body: { data: { id: path.id, managers }, message: 'Project manager updated successfully.' }, etag: entityTag(version) };
};

/**
 * A new version for a project whose assignees or tags the transaction changed (the caller holds its
 * row lock): a 422 when it is archived, which rolls the change back. Sending an archived project the
 * assignees or tags it has is no change, and is answered before this.
 */
async function bumpActiveProject(tx: Db, id: number, actorId: number): Promise<number> {
  const { count } = await tx.project.updateMany({ where: { id, archivedAt: null }, data: nextVersion(actorId) });
  if (count === 0) throw projectArchived();
  return (await tx.project.findFirstOrThrow({ where: { id: id }, select: { version: true } })).version;
}

type OwnColumns = Pick<Prisma.ProjectUncheckedUpdateInput, 'status' | 'progress' | 'progressManually'>;

/**
 * Applies a change of the project's own columns to an active project and returns the whole project:
 * two statements (the UPDATE locks the row while it runs and checks If-Match's versions, the
 * active state and that some column differs in its WHERE). A third statement only to tell a 404
 * from a 412 from an archived project (422) from a change that changes nothing, which leaves the
 * project as it was (its ETag and `dates.updated` included), archived or not.
 */
async function changeProject(db: Db, id: number, data: OwnColumns, ifMatch: VersionCondition | undefined, actorId: number) {
  const versions = ifMatch && !ifMatch.any ? { version: { in: ifMatch.versions } } : {};
  const differs = Object.entries(data).map(([column, value]) => ({ [column]: { not: value } }));
  const { count } = await db.project.updateMany({ where: { id, archivedAt: null, ...versions, OR: differs }, data: { ...data, ...nextVersion(actorId) } });
  if (count === 0) {
    const current = await db.project.findFirst({ where: { id: id } });
    if (!current) throw notFound('Project');
    // The project is there: If-Match's versions did not include its version, or nothing differs, or it is archived.
    if (!allows(ifMatch, current.version)) throw preconditionFailed(current.version);
    if (current.archivedAt && Object.keys(changedEntries(current, data)).length > 0) throw projectArchived();
  }
  return loadProject(db, id);
}

export const changeProjectStatus: Handler<'changeProjectStatus'> = async ({ prisma, path, body, ifMatch, caller }) => {
  const { data, etag } = await changeProject(prisma, path.id, { status: body.status }, ifMatch, caller.userId);
  return { status: 200, body: { data, message: 'Project status updated successfully.' }, etag };
};

export const updateProjectProgress: Handler<'updateProjectProgress'> = async ({ prisma, path, body, ifMatch, caller }) => {
  const { data, etag } = await changeProject(prisma, path.id, { progressManually: true, progress: body.progress }, ifMatch, caller.userId);
  return { status: 200, body: { data, message: 'Project progress updated successfully.' }, etag };
};

/**
 * Archives or restores. Only a change of state is an update: archiving an archived project leaves
 * it as it was, `dates.updated` and its ETag included (the UPDATE matches no row). If-Match is
 * checked all the same: a stale one is a 412 whether or not there was anything to change.
 */
async function setActiveState(db: Db, id: number, activeState: 'active' | 'archived', ifMatch: VersionCondition | undefined, actorId: number) {
  const versions = ifMatch && !ifMatch.any ? { version: { in: ifMatch.versions } } : {};
  const archivedAt = activeState === 'archived' ? new Date() : null;
  const { count } = await db.project.updateMany({ where: { id, activeState: { not: activeState }, ...versions }, data: { activeState, archivedAt, ...nextVersion(actorId) } });
  if (count === 0) {
    const current = await db.project.findFirst({ where: { id: id }, select: { version: true } });
    if (!current) throw notFound('Project');
    if (!allows(ifMatch, current.version)) throw preconditionFailed(current.version);
  }
  return loadProject(db, id);
}

export const archiveProject: Handler<'archiveProject'> = async ({ prisma, path, ifMatch, caller }) => {
  const { data, etag } = await setActiveState(prisma, path.id, 'archived', ifMatch, caller.userId);
  return { status: 200, body: { data, message: 'Project archived successfully.' }, etag };
};

export const restoreProject: Handler<'restoreProject'> = async ({ prisma, path, ifMatch, caller }) => {
  const { data, etag } = await setActiveState(prisma, path.id, 'active', ifMatch, caller.userId);
  return { status: 200, body: { data, message: 'Project restored successfully.' }, etag };
};

/** The same tags in the same order again change nothing. */
export const setProjectTags: Handler<'setProjectTags'> = async ({ prisma, path, body, ifMatch, caller }) => {
  const titles = [...new Set(body.tags)];
  const { data, etag } = await prisma.$transaction(async (tx) => {
    await lockProject(tx, path.id, 'update', ifMatch, 'allow');
    const held = await tx.projectTag.findMany({ where: { projectId: path.id }, orderBy: { position: 'asc' }, select: { title: true } });
    if (sameValue(held.map((tag) => tag.title), titles)) return loadProject(tx, path.id);
    await tx.projectTag.deleteMany({ where: { projectId: path.id } });
    await tx.projectTag.createMany({ data: titles.map((title, position) => ({ projectId: path.id, title, position })) });
    await bumpActiveProject(tx, path.id, caller.userId);
    return loadProject(tx, path.id);
  });
  return { status: 200, body: { data, message: 'Project tags updated successfully.' }, etag };
};

/** Stopped timers are activity (`last_activity_at`, a new ETag); with none running the project stays as it was. */
export const stopProjectTimers: Handler<'stopProjectTimers'> = async ({ prisma, path, ifMatch, caller }) => {
  const { stopped, version } = await prisma.$transaction(async (tx) => {
    const locked = await lockProject(tx, path.id, 'update', ifMatch, 'allow');
    // One statement: every running timer gets the same end time and its whole-second duration.
    const stopped = await stopRunningTimers(tx, path.id);
    return { stopped, version: stopped > 0 ? await touchProjectActivity(tx, path.id, caller.userId, 'allow') : locked };
  });
  return { status: 200, body: { data: { id: path.id, stopped }, message: 'Project timers stopped successfully.' }, etag: entityTag(version) };
};

export const cloneProject: Handler<'cloneProject'> = async ({ prisma, path, body, duplications, caller, projectNumberFormat }) => {
  return prisma.$transaction(async (tx) => {
    // An archived project may be copied: the copy is active.
    await lockProject(tx, path.id, 'share', undefined, 'allow');
    const errors = new FieldErrorCollector();
    const plan = await planClone(tx, path.id, body, errors);
    errors.throwIfAny();
    if (plan.total > duplications.syncLimit) {
      const row = await queueDuplication(tx, duplications.jobs, plan, body, caller);
      return {
        status: 202 as const,
        body: { data: toProjectDuplication(row), message: 'Project duplication queued successfully.' as const },
        location: `/api/project-duplications/${row.id}`,
      };
    }
    const id = await createClonedProject(tx, plan, projectNumberFormat, caller.userId);
    await copyChildren(tx, plan, id, CLONE_START, Number.POSITIVE_INFINITY);
    await refreshDerivedProgress(tx, id, caller.userId);
    const { data, etag } = await loadProject(tx, id);
    return { status: 201 as const, body: { data, message: 'Project cloned successfully.' as const }, etag };
  });
};
