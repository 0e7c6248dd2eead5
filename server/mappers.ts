// The one module that turns database rows into the API's shapes.
import type { components } from '../generated/api-types.ts';
import type { Prisma } from '../generated/prisma/client.ts';
import type { EventRow } from './database/event-feed.ts';
import type { ProjectViewRow } from './database/project-view.ts';

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

/** True for a `YYYY-MM-DD` that names a real day (not 2026-02-30). */
export function isCalendarDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const day = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(day.getTime()) && day.toISOString().startsWith(value);
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

export function toProject(row: ProjectViewRow): Schemas['Project'] {
  return {
    id: row.id,
    title: row.title,
    number: row.number,
    project_type: row.project_type,
    description: row.description,
    reference: row.reference,
    status: row.status,
    active_state: row.active_state,
    archived_at: row.archived_at,
    progress: row.progress,
    progress_manually: yesNo(row.progress_manually),
    client: row.client_id === null ? null : { id: row.client_id, name: row.client_name! },
    category: { id: row.category_id, name: row.category_name },
    dates: { start: row.date_start, due: row.date_due, created: row.created, updated: row.updated },
    last_activity_at: row.last_activity_at,
    billing: {
      type: row.billing_type,
      rate: row.billing_rate,
      estimated_hours: row.billing_estimated_hours,
      costs_estimate: row.billing_costs_estimate,
    },
    totals: {
      time: { estimated_hours: row.billing_estimated_hours, worked_hours: row.worked_hours, remaining_hours: row.remaining_hours },
      money: { estimated: row.money_estimated, invoiced: row.money_invoiced, paid: row.money_paid, outstanding: row.money_outstanding },
    },
    custom_fields: row.custom_fields,
    permissions: {
      clientperm_tasks_view: yesNo(row.clientperm_tasks_view),
      clientperm_tasks_collaborate: yesNo(row.clientperm_tasks_collaborate),
      clientperm_tasks_create: yesNo(row.clientperm_tasks_create),
      clientperm_timesheets_view: yesNo(row.clientperm_timesheets_view),
      clientperm_expenses_view: yesNo(row.clientperm_expenses_view),
      assignedperm_tasks_collaborate: yesNo(row.assignedperm_tasks_collaborate),
    },
    assigned: row.assigned,
    managers: row.manager_id === null ? [] : [{ id: row.manager_id, name: row.manager_name! }],
    tags: row.tags,
    is_template: row.is_template,
  };
}

export function toClient(row: { id: number; companyName: string; createdAt: Date }): Schemas['Client'] {
  return { id: row.id, company_name: row.companyName, created: timestamp(row.createdAt) };
}

export function toCustomField(row: Prisma.CustomFieldGetPayload<object>): Schemas['CustomField'] {
  return { id: row.id, key: row.key, name: row.name, type: row.type, options: row.options, created: timestamp(row.createdAt) };
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
    date_due: row.dateDue && calendarDate(row.dateDue),
    checklist: row.checklist.map((item) => ({ id: item.id, text: item.text, completed: item.completed })),
    files: row.files.map((file) => ({ id: file.id, name: file.name, url: file.url })),
    created: timestamp(row.createdAt),
    updated: timestamp(row.updatedAt),
  };
}

export function toMilestone(row: Prisma.MilestoneGetPayload<object>): Schemas['Milestone'] {
  return { id: row.id, project_id: row.projectId, title: row.title, date_due: row.dateDue && calendarDate(row.dateDue), created: timestamp(row.createdAt) };
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

export const commentInclude = { creator: userName } satisfies Prisma.ProjectCommentInclude;

export function toComment(row: Prisma.ProjectCommentGetPayload<{ include: typeof commentInclude }>): Schemas['Comment'] {
  return { id: row.id, project_id: row.projectId, text: row.text, creator: idName(row.creator), created: timestamp(row.createdAt) };
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

/** An event as the feed read it: its data and previous values were stored in the API's shapes. */
export function toEvent(row: EventRow): Schemas['Event'] {
  return {
    id: Number(row.id),
    type: row.type as Schemas['EventType'],
    occurred_at: row.occurred_at,
    project_id: row.project_id,
    api_key_id: row.api_key_id,
    changed_fields: row.changed_fields,
    previous: row.previous,
    data: row.data as Schemas['Event']['data'],
  };
}

export function toWebhookSubscription(row: Prisma.WebhookSubscriptionGetPayload<object>): Schemas['WebhookSubscription'] {
  return {
    id: row.id,
    url: row.url,
    event_types: row.eventTypes as Schemas['EventType'][],
    description: row.description,
    enabled: row.enabled,
    disabled_reason: row.disabledReason,
    consecutive_failures: row.consecutiveFailures,
    created: timestamp(row.createdAt),
    updated: timestamp(row.updatedAt),
  };
}

export const deliveryInclude = { event: { select: { type: true } } } satisfies Prisma.WebhookDeliveryInclude;

export function toWebhookDelivery(row: Prisma.WebhookDeliveryGetPayload<{ include: typeof deliveryInclude }>): Schemas['WebhookDelivery'] {
  return {
    id: Number(row.id),
    subscription_id: row.subscriptionId,
    event_id: Number(row.eventId),
    event_type: row.event.type as Schemas['EventType'],
    status: row.status,
    attempts: row.attempts,
    last_attempt_at: row.lastAttemptAt && timestamp(row.lastAttemptAt),
    last_status_code: row.lastStatusCode,
    last_error: row.lastError,
    delivered_at: row.deliveredAt && timestamp(row.deliveredAt),
    created: timestamp(row.createdAt),
  };
}

export function toProjectDuplication(row: Prisma.ProjectDuplicationGetPayload<object>): Schemas['ProjectDuplication'] {
  const succeeded = row.status === 'succeeded';
  return {
    id: row.id,
    source_project_id: row.sourceProjectId,
    status: row.status,
    // 100 only once the copy is complete: the last chunk's commit and the success are separate steps.
    progress: succeeded ? 100 : Math.min(99, row.total === 0 ? 0 : Math.floor((row.copied * 100) / row.total)),
    total: row.total,
    copied: row.copied,
    project_id: row.projectId,
    project_url: succeeded && row.projectId !== null ? `/api/projects/${row.projectId}` : null,
    error: row.error,
    created: timestamp(row.createdAt),
    started: row.startedAt && timestamp(row.startedAt),
    finished: row.finishedAt && timestamp(row.finishedAt),
  };
}
