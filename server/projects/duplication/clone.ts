// What a clone copies and how: the plan (the new project's columns, the kinds of child to copy, how
// far due dates move, how many rows), the new project's row, and the copy of its children in chunks.
// cloneProject (server/projects/handlers.ts) runs it all in its request; a background duplication
// (server/projects/duplication/jobs.ts) runs one chunk per transaction.
import { sourceCounts } from './store.ts';
import type { components } from '../../../generated/api-types.ts';
import type { Prisma, Project as ProjectRow } from '../../../generated/prisma/client.ts';
import type { FieldErrorCollector } from '../../core/errors.ts';
import { CLONE_OF_INTERNAL_CLIENT_MESSAGE, cloneChildDatesOutside, cloneDueDatePast } from '../../core/messages.ts';
import { bodyChecks } from '../rules.ts';
import { copyCustomValues } from '../custom-fields/store.ts';
import { takeProjectNumber } from '../numbers.ts';
import { calendarDate, parseCalendarDate } from '../../core/dates.ts';
import type { Tx } from '../../platform/database/transaction.ts';
import { mustNotPrecede } from '../../core/field-rules.ts';
import type { ProjectNumberFormat } from '../../core/project-number-format.ts';

export type CloneBody = components['schemas']['CloneBody'];
type ProjectColumns = Prisma.ProjectUncheckedCreateInput;

/** Columns a clone does not take from its source: a new identity and number, fresh timestamps and workflow state. */
// organizationId: the copy is written in the organization the clone runs in (the column's default).
// lastActorId: the copy's first activity is the clone's (createClonedProject).
type ColumnsACloneStartsAfresh = 'organizationId' | 'id' | 'number' | 'createdAt' | 'updatedAt' | 'lastActivityAt' | 'lastActorId' | 'version' | 'status' | 'activeState' | 'archivedAt';

/** The kinds of child a clone copies, in the order it copies them. */
const KINDS = ['milestones', 'tasks', 'invoices', 'estimates', 'files', 'comments'] as const;
type Kind = (typeof KINDS)[number];

/** Where a copy has got to: the kind being copied (an index of KINDS) and the last source id copied. */
export interface CloneCursor { kind: number; after: number }
export const CLONE_START: CloneCursor = { kind: 0, after: 0 };

export interface ClonePlan {
  sourceId: number;
  columns: { [C in Exclude<keyof ProjectRow, ColumnsACloneStartsAfresh>]: ProjectColumns[C] };
  /** The client whose code a number in a per-client format holds; null for an internal project. */
  client: { id: number; companyName: string } | null;
  assignees: number[];
  tags: { title: string; position: number }[];
  kinds: Set<Kind>;
  checklist: boolean;
  taskFiles: boolean;
  /** Milliseconds every task and milestone due date moves by: the new start minus the source's. */
  shiftMs: number;
  /** Rows the copy makes: children of every kind copied, task checklist items and files included. */
  total: number;
}

/** The latest date the contract can express (`YYYY-MM-DD`). */
const LAST_DATE = '9999-12-31';
const FIRST_DATE = '0001-01-01';

const shift = (date: Date, ms: number) => new Date(date.getTime() + ms);
const expressible = (date: Date) => {
  const text = calendarDate(date);
  return text.length === 10 && text >= FIRST_DATE && text <= LAST_DATE;
};

interface SourceCounts {
  milestones: number; tasks: number; checklist: number; task_files: number;
  invoices: number; estimates: number; files: number; comments: number;
  earliest_due: Date | null; latest_due: Date | null;
}

/**
 * The clone of project `sourceId` that `body` asks for, or undefined (with the reasons in `errors`)
 * when it cannot be made. The source must exist (the caller has locked it).
 */
export async function planClone(tx: Tx, sourceId: number, body: CloneBody, errors: FieldErrorCollector): Promise<ClonePlan> {
  // Every field of the generated body type, by name: a field added to the spec is a compile error below until used.
  const {
    project_title, project_clientid, project_categoryid, project_date_start, project_date_due, project_is_template,
    copy_milestones, copy_tasks, copy_tasks_files, copy_tasks_checklist, copy_invoices, copy_estimates, copy_files, copy_comments,
    ...unhandled
  } = body;
  unhandled satisfies Record<string, never>;
  const source = await tx.project.findFirstOrThrow({ where: { id: sourceId }, include: { assignees: true, tags: true } });
  const counts: SourceCounts = await sourceCounts(tx, sourceId);
  if (source.projectType === 'internal' && project_clientid !== undefined) {
    errors.add('project_clientid', CLONE_OF_INTERNAL_CLIENT_MESSAGE);
  }
  const clientId = project_clientid ?? source.clientId;
  const kinds = new Set<Kind>();
  // Invoices and estimates need a client: an internal project has none to copy.
  const on = {
    milestones: copy_milestones, tasks: copy_tasks, files: copy_files, comments: copy_comments,
    invoices: clientId === null ? 'off' : copy_invoices, estimates: clientId === null ? 'off' : copy_estimates,
  };
  for (const kind of KINDS) if (on[kind] === 'on') kinds.add(kind);
  const checklist = kinds.has('tasks') && copy_tasks_checklist === 'on';
  const taskFiles = kinds.has('tasks') && copy_tasks_files === 'on';
  const total = [...kinds].reduce((sum, kind) => sum + counts![kind], 0) + (checklist ? counts!.checklist : 0) + (taskFiles ? counts!.task_files : 0);

  const start = project_date_start ?? calendarDate(source.dateStart);
  const shiftMs = parseCalendarDate(start).getTime() - source.dateStart.getTime();
  let due: string | null;
  if (project_date_due !== undefined) {
    due = project_date_due;
  } else if (source.dateDue && !expressible(shift(source.dateDue, shiftMs))) {
    // A clone given a new start but no due date keeps the source's duration: its due date moves by as many days as its start did.
    errors.add('project_date_start', cloneDueDatePast(LAST_DATE));
    due = null;
  } else {
    due = source.dateDue && calendarDate(shift(source.dateDue, shiftMs));
  }
  const moved = (kinds.has('tasks') || kinds.has('milestones')) && shiftMs !== 0;
  if (moved && [counts!.earliest_due, counts!.latest_due].some((d) => d && !expressible(shift(d, shiftMs)))) {
    errors.add('project_date_start', cloneChildDatesOutside(FIRST_DATE, LAST_DATE));
  }
  mustNotPrecede(errors, 'project_date_due', due, 'project_date_start', start);
  const { clientCompanyName } = await bodyChecks.cloneProject(tx, { path: { id: sourceId }, body: { ...body, project_clientid: clientId ?? undefined } }, errors);
  // One entry per column of the Prisma model: a column added to the schema does not compile until
  // the clone decides what it takes.
  const columns = {
    title: project_title,
    projectType: source.projectType,
    description: source.description,
    reference: source.reference,
    clientId,
    categoryId: project_categoryid ?? source.categoryId,
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
    isTemplate: project_is_template === 'on',
    // A clone of a template names it; a clone of another project starts from no template.
    templateId: source.isTemplate ? source.id : null,
  } satisfies ClonePlan['columns'];
  return {
    sourceId,
    columns,
    client: clientId === null ? null : { id: clientId, companyName: clientCompanyName ?? '' },
    assignees: source.assignees.map((a) => a.userId),
    tags: source.tags.map((t) => ({ title: t.title, position: t.position })),
    kinds,
    checklist,
    taskFiles,
    shiftMs,
    total,
  };
}

/**
 * The new project's row, with its number and the source's assignees, tags and custom field values,
 * its first activity by team user `actorId`; its children come with copyChildren.
 */
export async function createClonedProject(tx: Tx, plan: ClonePlan, numberFormat: ProjectNumberFormat, actorId: number | null): Promise<number> {
  const number = await takeProjectNumber(tx, numberFormat, plan.client);
  const { id } = await tx.project.create({
    data: {
      ...plan.columns,
      number,
      lastActorId: actorId,
      assignees: { create: plan.assignees.map((userId) => ({ userId })) },
      tags: { create: plan.tags },
    },
    select: { id: true },
  });
  await copyCustomValues(tx, plan.sourceId, id);
  return id;
}

const movedDue = (date: Date | null, ms: number) => (date ? shift(date, ms) : null);

/**
 * Copies up to `limit` source rows (of each kind, ordered by id) from where `cursor` points, into
 * project `targetId`. Returns where it got to, the rows made (a task's checklist items and files
 * included), and whether every kind is done.
 */
export async function copyChildren(
  tx: Tx, plan: ClonePlan, targetId: number, cursor: CloneCursor, limit: number,
): Promise<{ cursor: CloneCursor; copied: number; done: boolean }> {
  let { kind, after } = cursor;
  let copied = 0;
  let budget = limit;
  // Invoices and estimates are copied only with a client (planClone leaves them out otherwise).
  const clientId = plan.columns.clientId!;
  while (kind < KINDS.length && budget > 0) {
    const name = KINDS[kind]!;
    if (!plan.kinds.has(name)) { kind += 1; after = 0; continue; }
    const take = Number.isFinite(budget) ? budget : undefined;
    const page = { where: { projectId: plan.sourceId, id: { gt: after } }, orderBy: { id: 'asc' }, take } as const;
    let ids: number[];
    switch (name) {
      case 'milestones': {
        const rows = await tx.milestone.findMany(page);
        await tx.milestone.createMany({ data: rows.map((m) => ({ projectId: targetId, title: m.title, dateDue: movedDue(m.dateDue, plan.shiftMs) })) });
        ids = rows.map((r) => r.id);
        copied += rows.length;
        break;
      }
      case 'tasks': {
        const rows = await tx.task.findMany({
          ...page,
          include: { checklist: plan.checklist ? { orderBy: { position: 'asc' } } : false, files: plan.taskFiles ? { orderBy: { id: 'asc' } } : false },
        });
        for (const task of rows) {
          await tx.task.create({
            data: {
              projectId: targetId,
              title: task.title,
              description: task.description,
              status: 'new',
              dateDue: movedDue(task.dateDue, plan.shiftMs),
              checklist: plan.checklist ? { create: task.checklist.map((c) => ({ text: c.text, position: c.position, completed: false })) } : undefined,
              files: plan.taskFiles ? { create: task.files.map((f) => ({ name: f.name, url: f.url })) } : undefined,
            },
            select: { id: true },
          });
          copied += 1 + (plan.checklist ? task.checklist.length : 0) + (plan.taskFiles ? task.files.length : 0);
        }
        ids = rows.map((r) => r.id);
        break;
      }
      case 'invoices': {
        const rows = await tx.invoice.findMany(page);
        await tx.invoice.createMany({ data: rows.map((i) => ({ projectId: targetId, clientId, status: 'draft', date: i.date, dueDate: i.dueDate, amount: i.amount })) });
        ids = rows.map((r) => r.id);
        copied += rows.length;
        break;
      }
      case 'estimates': {
        const rows = await tx.estimate.findMany(page);
        await tx.estimate.createMany({ data: rows.map((e) => ({ projectId: targetId, clientId, status: 'draft', date: e.date, expiryDate: e.expiryDate, amount: e.amount })) });
        ids = rows.map((r) => r.id);
        copied += rows.length;
        break;
      }
      case 'files': {
        const rows = await tx.projectFile.findMany(page);
        await tx.projectFile.createMany({ data: rows.map((f) => ({ projectId: targetId, name: f.name, url: f.url })) });
        ids = rows.map((r) => r.id);
        copied += rows.length;
        break;
      }
      case 'comments': {
        const rows = await tx.projectComment.findMany(page);
        await tx.projectComment.createMany({ data: rows.map((c) => ({ projectId: targetId, creatorId: c.creatorId, text: c.text })) });
        ids = rows.map((r) => r.id);
        copied += rows.length;
        break;
      }
    }
    budget -= ids.length;
    // A page shorter than asked for (or a read without a limit) was the kind's last.
    if (take === undefined || ids.length < take) { kind += 1; after = 0; } else { after = ids.at(-1)!; }
  }
  return { cursor: { kind, after }, copied, done: kind >= KINDS.length };
}
