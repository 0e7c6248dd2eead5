// The one module that turns database rows into the API's shapes.
import type { components } from '../generated/api-types.ts';
import type { Prisma } from '../generated/prisma/client.ts';

type Schemas = components['schemas'];
type Decimalish = { toFixed(digits: number): string; toNumber(): number };

/** `2026-06-15T09:30:00.000000Z`: microsecond timestamps, as the API has always shown them. */
export function timestamp(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** A `@db.Date` column (midnight UTC) → `YYYY-MM-DD`. */
export function calendarDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** `YYYY-MM-DD` (already validated) → the Date Prisma stores in a `@db.Date` column. */
export function parseCalendarDate(value: string): Date {
  return new Date(`${value}T00:00:00.000Z`);
}

function money(value: Decimalish): string {
  return value.toFixed(2);
}

const yesNo = (flag: boolean): 'yes' | 'no' => (flag ? 'yes' : 'no');

const userName = { select: { id: true, firstName: true, lastName: true } } as const;
type UserName = { id: number; firstName: string; lastName: string };

export function idName(user: UserName): Schemas['IdName'] {
  return { id: user.id, name: `${user.firstName} ${user.lastName}` };
}

export const projectInclude = {
  client: { select: { id: true, companyName: true } },
  category: { select: { id: true, name: true } },
  manager: userName,
  assignees: { select: { user: userName }, orderBy: { userId: 'asc' } },
  tags: { select: { title: true }, orderBy: { position: 'asc' } },
} satisfies Prisma.ProjectInclude;

export type ProjectRow = Prisma.ProjectGetPayload<{ include: typeof projectInclude }>;

export function toProject(row: ProjectRow): Schemas['Project'] {
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    reference: row.reference,
    status: row.status,
    active_state: row.activeState,
    progress: row.progress,
    progress_manually: yesNo(row.progressManually),
    client: { id: row.client.id, name: row.client.companyName },
    category: { id: row.category.id, name: row.category.name },
    dates: {
      start: calendarDate(row.dateStart),
      due: row.dateDue ? calendarDate(row.dateDue) : null,
      created: timestamp(row.createdAt),
      updated: timestamp(row.updatedAt),
    },
    billing: {
      type: row.billingType,
      rate: money(row.billingRate),
      estimated_hours: row.billingEstimatedHours.toNumber(),
      costs_estimate: money(row.billingCostsEstimate),
    },
    permissions: {
      clientperm_tasks_view: yesNo(row.clientpermTasksView),
      clientperm_tasks_collaborate: yesNo(row.clientpermTasksCollaborate),
      clientperm_tasks_create: yesNo(row.clientpermTasksCreate),
      clientperm_timesheets_view: yesNo(row.clientpermTimesheetsView),
      clientperm_expenses_view: yesNo(row.clientpermExpensesView),
      assignedperm_tasks_collaborate: yesNo(row.assignedpermTasksCollaborate),
    },
    assigned: row.assignees.map((a) => idName(a.user)),
    managers: row.manager ? [idName(row.manager)] : [],
    tags: row.tags.map((t) => t.title),
  };
}

export function toClient(row: { id: number; companyName: string; createdAt: Date }): Schemas['Client'] {
  return { id: row.id, company_name: row.companyName, created: timestamp(row.createdAt) };
}

export function toCategory(row: { id: number; name: string; createdAt: Date }): Schemas['Category'] {
  return { id: row.id, name: row.name, created: timestamp(row.createdAt) };
}

export function toTeamUser(row: Prisma.UserGetPayload<object>): Schemas['TeamUser'] {
  return {
    id: row.id,
    first_name: row.firstName,
    last_name: row.lastName,
    name: `${row.firstName} ${row.lastName}`,
    email: row.email,
    role: row.role,
    created: timestamp(row.createdAt),
  };
}

export const taskInclude = {
  checklist: { orderBy: { position: 'asc' } },
  files: { orderBy: { id: 'asc' } },
} satisfies Prisma.TaskInclude;

export function toTask(row: Prisma.TaskGetPayload<{ include: typeof taskInclude }>): Schemas['ProjectTask'] {
  return {
    id: row.id,
    project_id: row.projectId,
    title: row.title,
    description: row.description,
    status: row.status,
    checklist: row.checklist.map((item) => ({ id: item.id, text: item.text, completed: item.completed })),
    files: row.files.map((file) => ({ id: file.id, name: file.name, url: file.url })),
    created: timestamp(row.createdAt),
    updated: timestamp(row.updatedAt),
  };
}

export function toMilestone(row: Prisma.MilestoneGetPayload<object>): Schemas['Milestone'] {
  return { id: row.id, project_id: row.projectId, title: row.title, created: timestamp(row.createdAt) };
}

export const timerInclude = { user: userName } satisfies Prisma.TimerInclude;

export function toTimer(row: Prisma.TimerGetPayload<{ include: typeof timerInclude }>): Schemas['Timer'] {
  return {
    id: row.id,
    project_id: row.projectId,
    task_id: row.taskId,
    user: idName(row.user),
    status: row.stoppedAt ? 'stopped' : 'running',
    started: timestamp(row.startedAt),
    stopped: row.stoppedAt ? timestamp(row.stoppedAt) : null,
    duration: row.durationSeconds,
  };
}

export function toProjectFile(row: Prisma.ProjectFileGetPayload<object>): Schemas['ProjectFile'] {
  return { id: row.id, project_id: row.projectId, name: row.name, url: row.url, created: timestamp(row.createdAt) };
}

export function toInvoice(row: Prisma.InvoiceGetPayload<object>): Schemas['Invoice'] {
  return {
    id: row.id,
    project_id: row.projectId,
    client_id: row.clientId,
    status: row.status,
    date: calendarDate(row.date),
    due_date: calendarDate(row.dueDate),
    amount: money(row.amount),
    created: timestamp(row.createdAt),
  };
}

export function toEstimate(row: Prisma.EstimateGetPayload<object>): Schemas['Estimate'] {
  return {
    id: row.id,
    project_id: row.projectId,
    client_id: row.clientId,
    status: row.status,
    date: calendarDate(row.date),
    expiry_date: row.expiryDate ? calendarDate(row.expiryDate) : null,
    amount: money(row.amount),
    created: timestamp(row.createdAt),
  };
}
