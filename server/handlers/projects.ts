// Handlers for the project operations, one function per operationId.
import type { components } from '../../generated/api-types.ts';
import type { Prisma } from '../../generated/prisma/client.ts';
import { findProjectView, projectCursor, projectListStatements, type ListQuery, type ProjectListRow } from '../database/project-view.ts';
import { FieldErrorCollector, invalidSelection, notFound, validationFailed } from '../errors.ts';
import { calendarDate, idName, parseCalendarDate, taskInclude, toProject } from '../mappers.ts';
import { bodyChecks } from './checks.ts';
import type { Handler } from './types.ts';
import {
  isOn, loadPage, lockProject, mustNotPrecede, pageWindow, refreshDerivedProgress, type Db, type Tx,
} from './shared.ts';

type UpdateBody = components['schemas']['ProjectUpdateBody'];

const flagColumns = {
  project_progress_manually: 'progressManually',
  clientperm_tasks_view: 'clientpermTasksView',
  clientperm_tasks_collaborate: 'clientpermTasksCollaborate',
  clientperm_tasks_create: 'clientpermTasksCreate',
  clientperm_timesheets_view: 'clientpermTimesheetsView',
  clientperm_expenses_view: 'clientpermExpensesView',
  assignedperm_tasks_collaborate: 'assignedpermTasksCollaborate',
} as const;

async function loadProject(db: Db, id: number) {
  const row = await findProjectView(db, id);
  if (!row) throw notFound('Project');
  return toProject(row);
}

/** The columns an update body sets; fields that are absent stay as they are. */
function updateColumns(body: UpdateBody): Prisma.ProjectUncheckedUpdateInput {
  const data: Prisma.ProjectUncheckedUpdateInput = {};
  if (body.project_title !== undefined) data.title = body.project_title;
  if (body.project_creatorid !== undefined) data.creatorId = body.project_creatorid;
  if (body.project_categoryid !== undefined) data.categoryId = body.project_categoryid;
  if (body.project_date_start !== undefined) data.dateStart = parseCalendarDate(body.project_date_start);
  if (body.project_date_due !== undefined) data.dateDue = body.project_date_due === null ? null : parseCalendarDate(body.project_date_due);
  if (body.project_description !== undefined) data.description = body.project_description;
  if (body.project_reference !== undefined) data.reference = body.project_reference;
  if (body.project_billing_type !== undefined) data.billingType = body.project_billing_type;
  if (body.project_billing_rate !== undefined) data.billingRate = body.project_billing_rate.toFixed(2);
  if (body.project_billing_estimated_hours !== undefined) data.billingEstimatedHours = body.project_billing_estimated_hours.toFixed(2);
  if (body.project_billing_costs_estimate !== undefined) data.billingCostsEstimate = body.project_billing_costs_estimate.toFixed(2);
  for (const [field, column] of Object.entries(flagColumns)) {
    const flag = body[field as keyof typeof flagColumns];
    if (flag !== undefined) data[column] = isOn(flag);
  }
  return data;
}

type ProjectField = NonNullable<ListQuery['fields']>[number];

/** The mapper for a list's rows: whole projects, or with `fields` only `id` and the fields named. */
function listItem(fields: ProjectField[] | undefined): (row: ProjectListRow) => components['schemas']['Project'] | components['schemas']['ProjectFieldset'] {
  if (!fields) return toProject;
  const kept = new Set<ProjectField>(['id', ...fields]);
  return (row) => Object.fromEntries(Object.entries(toProject(row)).filter(([field]) => kept.has(field as ProjectField))) as components['schemas']['ProjectFieldset'];
}

export const listProjects: Handler<'listProjects'> = async ({ prisma, query }) => {
  const window = pageWindow(query);
  const statements = projectListStatements(query, window);
  const message = 'Projects retrieved successfully.' as const;
  const item = listItem(query.fields);
  const cursorAfter = (row: ProjectListRow | undefined) => (row ? projectCursor(query, window.order, row) : null);
  if (!statements.count) {
    const rows = await prisma.$queryRaw<ProjectListRow[]>(statements.page);
    const page = rows.slice(0, window.take);
    const next_cursor = rows.length > window.take ? cursorAfter(page.at(-1)) : null;
    return { status: 200, body: { data: page.map(item), meta: { per_page: window.take, after: query.after!, next_cursor }, message } };
  }
  const page = await loadPage(
    window,
    prisma.$queryRaw<ProjectListRow[]>(statements.page),
    prisma.$queryRaw<{ total: number }[]>(statements.count).then(([row]) => row!.total),
    (row) => row,
  );
  const next_cursor = window.skip + page.data.length < page.meta.total ? cursorAfter(page.data.at(-1)) : null;
  return { status: 200, body: { data: page.data.map(item), meta: { ...page.meta, next_cursor }, message } };
};

export const getProject: Handler<'getProject'> = async ({ prisma, path }) => {
  const row = await findProjectView(prisma, path.id);
  if (!row) throw notFound('Project');
  return { status: 200, body: { data: toProject(row), message: 'Project retrieved successfully.' } };
};

/**
 * No transaction: the body checks (one statement, which also finds the default creator), then the
 * row inserted and read back: three round trips. Clients, categories and users cannot be deleted,
 * so a reference checked here is still valid when the row is inserted.
 */
export const createProject: Handler<'createProject'> = async ({ prisma, path, body }) => {
  const errors = new FieldErrorCollector();
  const { mainAdministratorId } = await bodyChecks.createProject(prisma, { path, body }, errors);
  errors.throwIfAny();
  const { id } = await prisma.project.create({
    data: {
      ...(updateColumns(body) as Prisma.ProjectUncheckedCreateInput),
      title: body.project_title,
      clientId: body.project_clientid,
      categoryId: body.project_categoryid,
      dateStart: parseCalendarDate(body.project_date_start),
      creatorId: body.project_creatorid ?? mainAdministratorId,
    },
    select: { id: true },
  });
  return { status: 201, body: { data: await loadProject(prisma, id), message: 'Project created successfully.' } };
};

export const updateProject: Handler<'updateProject'> = async ({ prisma, path, body }) => {
  const data = await prisma.$transaction(async (tx) => {
    await lockProject(tx, path.id, 'update');
    const current = await tx.project.findUniqueOrThrow({ where: { id: path.id }, select: { dateStart: true, dateDue: true, progressManually: true } });
    const errors = new FieldErrorCollector();
    // The rule holds for the resulting pair, whichever of the two dates the body changes.
    const start = body.project_date_start ?? calendarDate(current.dateStart);
    const due = body.project_date_due !== undefined ? body.project_date_due : current.dateDue && calendarDate(current.dateDue);
    mustNotPrecede(errors, 'project_date_due', due, 'project_date_start', start);
    await bodyChecks.updateProject(tx, { path, body }, errors);
    errors.throwIfAny();
    await tx.project.update({ where: { id: path.id }, data: updateColumns(body) });
    if (current.progressManually && body.project_progress_manually === 'off') await refreshDerivedProgress(tx, path.id);
    return loadProject(tx, path.id);
  });
  return { status: 200, body: { data, message: 'Project updated successfully.' } };
};

export const deleteProject: Handler<'deleteProject'> = async ({ prisma, path }) => {
  await prisma.$transaction(async (tx) => {
    await lockProject(tx, path.id, 'update');
    // Every child table references projects with ON DELETE CASCADE: one statement removes them all.
    await tx.project.delete({ where: { id: path.id } });
  });
  return { status: 200, body: { data: { id: path.id }, message: 'Project deleted successfully.' } };
};

export const assignProject: Handler<'assignProject'> = async ({ prisma, path, body }) => {
  const userIds = [...new Set(body.assigned)];
  const assigned = await prisma.$transaction(async (tx) => {
    await lockProject(tx, path.id, 'update');
    const users = await tx.user.findMany({ where: { id: { in: userIds } }, select: { id: true, firstName: true, lastName: true } });
    const errors = new FieldErrorCollector();
    const found = new Set(users.map((u) => u.id));
    body.assigned.forEach((id, index) => {
      if (!found.has(id)) errors.add(`assigned.${index}`, invalidSelection(`assigned.${index}`));
    });
    errors.throwIfAny();
    await tx.projectAssignee.deleteMany({ where: { projectId: path.id } });
    await tx.projectAssignee.createMany({ data: userIds.map((userId) => ({ projectId: path.id, userId })) });
    await tx.project.update({ where: { id: path.id }, data: { updatedAt: new Date() } });
    return users.sort((a, b) => a.id - b.id).map(idName);
  });
  return { status: 200, body: { data: { id: path.id, assigned }, message: 'Project assignees updated successfully.' } };
};

export const setProjectManager: Handler<'setProjectManager'> = async ({ prisma, path, body }) => {
  const managers = await prisma.$transaction(async (tx) => {
    await lockProject(tx, path.id, 'update');
    const manager = body.manager === null
      ? null
      : await tx.user.findUnique({ where: { id: body.manager }, select: { id: true, firstName: true, lastName: true } });
    if (body.manager !== null && !manager) throw validationFailed({ manager: [invalidSelection('manager')] });
    await tx.project.update({ where: { id: path.id }, data: { managerId: manager?.id ?? null } });
    return manager ? [idName(manager)] : [];
  });
  return { status: 200, body: { data: { id: path.id, managers }, message: 'Project manager updated successfully.' } };
};

/**
 * Applies a change of the project's own columns and returns the whole project: two statements, no
 * transaction (the UPDATE locks the row while it runs; the read shows the row as committed).
 */
async function changeProject(db: Db, id: number, data: Prisma.ProjectUncheckedUpdateInput) {
  const { count } = await db.project.updateMany({ where: { id }, data });
  if (count === 0) throw notFound('Project');
  return loadProject(db, id);
}

export const changeProjectStatus: Handler<'changeProjectStatus'> = async ({ prisma, path, body }) => {
  const data = await changeProject(prisma, path.id, { status: body.status });
  return { status: 200, body: { data, message: 'Project status updated successfully.' } };
};

export const updateProjectProgress: Handler<'updateProjectProgress'> = async ({ prisma, path, body }) => {
  const data = await changeProject(prisma, path.id, { progressManually: true, progress: body.progress });
  return { status: 200, body: { data, message: 'Project progress updated successfully.' } };
};

export const archiveProject: Handler<'archiveProject'> = async ({ prisma, path }) => {
  const data = await changeProject(prisma, path.id, { activeState: 'archived' });
  return { status: 200, body: { data, message: 'Project archived successfully.' } };
};

export const restoreProject: Handler<'restoreProject'> = async ({ prisma, path }) => {
  const data = await changeProject(prisma, path.id, { activeState: 'active' });
  return { status: 200, body: { data, message: 'Project restored successfully.' } };
};

export const setProjectTags: Handler<'setProjectTags'> = async ({ prisma, path, body }) => {
  const titles = [...new Set(body.tags)];
  const data = await prisma.$transaction(async (tx) => {
    await lockProject(tx, path.id, 'update');
    await tx.projectTag.deleteMany({ where: { projectId: path.id } });
    await tx.projectTag.createMany({ data: titles.map((title, position) => ({ projectId: path.id, title, position })) });
    return changeProject(tx, path.id, { updatedAt: new Date() });
  });
  return { status: 200, body: { data, message: 'Project tags updated successfully.' } };
};

export const stopProjectTimers: Handler<'stopProjectTimers'> = async ({ prisma, path }) => {
  const stopped = await prisma.$transaction(async (tx) => {
    await lockProject(tx, path.id, 'update');
    // One statement: every running timer gets the same end time and its whole-second duration.
    return tx.$executeRaw`
      UPDATE timers
         SET stopped_at = now(),
             duration_seconds = GREATEST(0, FLOOR(EXTRACT(EPOCH FROM (now() - started_at))))::int
       WHERE project_id = ${path.id} AND stopped_at IS NULL`;
  });
  return { status: 200, body: { data: { id: path.id, stopped }, message: 'Project timers stopped successfully.' } };
};

export const cloneProject: Handler<'cloneProject'> = async ({ prisma, path, body }) => {
  const data = await prisma.$transaction(async (tx) => {
    await lockProject(tx, path.id, 'share');
    const source = await tx.project.findUniqueOrThrow({ where: { id: path.id }, include: { assignees: true, tags: true } });
    const ofSource = { where: { projectId: path.id }, orderBy: { id: 'asc' } } as const;
    const milestones = body.copy_milestones === 'on' ? await tx.milestone.findMany(ofSource) : [];
    const tasks = body.copy_tasks === 'on' ? await tx.task.findMany({ ...ofSource, include: taskInclude }) : [];
    const invoices = body.copy_invoices === 'on' ? await tx.invoice.findMany(ofSource) : [];
    const estimates = body.copy_estimates === 'on' ? await tx.estimate.findMany(ofSource) : [];
    const files = body.copy_files === 'on' ? await tx.projectFile.findMany(ofSource) : [];
    const errors = new FieldErrorCollector();
    const start = body.project_date_start ?? calendarDate(source.dateStart);
    const due = body.project_date_due !== undefined ? body.project_date_due : source.dateDue && calendarDate(source.dateDue);
    mustNotPrecede(errors, 'project_date_due', due, 'project_date_start', start);
    await bodyChecks.cloneProject(tx, { path, body }, errors);
    errors.throwIfAny();
    const clientId = body.project_clientid ?? source.clientId;
    const clone = await tx.project.create({
      data: {
        title: body.project_title,
        description: source.description,
        reference: source.reference,
        clientId,
        categoryId: body.project_categoryid ?? source.categoryId,
        creatorId: source.creatorId,
        managerId: source.managerId,
        dateStart: parseCalendarDate(start),
        dateDue: due ? parseCalendarDate(due) : null,
        progressManually: source.progressManually,
        progress: source.progressManually ? source.progress : 0,
        billingType: source.billingType,
        billingRate: source.billingRate,
        billingEstimatedHours: source.billingEstimatedHours,
        billingCostsEstimate: source.billingCostsEstimate,
        clientpermTasksView: source.clientpermTasksView,
        clientpermTasksCollaborate: source.clientpermTasksCollaborate,
        clientpermTasksCreate: source.clientpermTasksCreate,
        clientpermTimesheetsView: source.clientpermTimesheetsView,
        clientpermExpensesView: source.clientpermExpensesView,
        assignedpermTasksCollaborate: source.assignedpermTasksCollaborate,
        assignees: { create: source.assignees.map((a) => ({ userId: a.userId })) },
        tags: { create: source.tags.map((t) => ({ title: t.title, position: t.position })) },
        milestones: { create: milestones.map((m) => ({ title: m.title })) },
        files: { create: files.map((f) => ({ name: f.name, url: f.url })) },
        invoices: { create: invoices.map((i) => ({ clientId, status: 'draft', date: i.date, dueDate: i.dueDate, amount: i.amount })) },
        estimates: { create: estimates.map((e) => ({ clientId, status: 'draft', date: e.date, expiryDate: e.expiryDate, amount: e.amount })) },
      },
      select: { id: true },
    });
    for (const task of tasks) {
      await tx.task.create({
        data: {
          projectId: clone.id,
          title: task.title,
          description: task.description,
          status: 'new',
          checklist: body.copy_tasks_checklist === 'on'
            ? { create: task.checklist.map((c) => ({ text: c.text, position: c.position, completed: false })) }
            : undefined,
          files: body.copy_tasks_files === 'on' ? { create: task.files.map((f) => ({ name: f.name, url: f.url })) } : undefined,
        },
      });
    }
    await refreshDerivedProgress(tx, clone.id);
    return loadProject(tx, clone.id);
  });
  return { status: 201, body: { data, message: 'Project cloned successfully.' } };
};
