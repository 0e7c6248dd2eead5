// Which event each write operation records, and recording it in the change's own transaction
// (server/http/app.ts runs every write in one) through the outbox (server/platform/outbox.ts).
import type { components } from '../../generated/api-types.ts';
import { findProjectView } from '../projects/view.ts';
import type { Caller } from '../core/access.ts';
import type { Handler, HandlerInput, OperationId, Reply } from '../contract/operations.ts';
import { touchProjectActivity, touchProjectWithEvent } from '../projects/store.ts';
import { toProject } from '../projects/mapping.ts';
import type { Tx } from '../platform/database/transaction.ts';
import { type EventData, type EventDraft, type EventType, newResourceEvent, insertEvent } from '../platform/outbox.ts';

type Project = components['schemas']['Project'];

interface Change<K extends OperationId> {
  tx: Tx;
  input: HandlerInput<K>;
  reply: Reply<K>;
  /** The project as it was before the change, for sources that ask for it (`projectBefore`). */
  before: Project | undefined;
}

interface EventSource<K extends OperationId, T extends EventType = EventType> {
  type: T;
  /** The project of `path.id` is read, and locked for a change or for its deletion, before the handler runs. */
  projectBefore?: 'update' | 'delete';
  /**
   * A change under the project of `path.id` (a child added or removed): recorded as the project's
   * activity in its row too (`last_activity_at`, `last_actor`, a new ETag), written after the handler, just before
   * the event: the row's write lock is held only for the end of the transaction. The handler keeps
   * the row from being deleted meanwhile (lockProject's `key share`).
   */
  projectActivity?: true;
  /** The event, or undefined when the operation changed nothing. */
  describe(change: Change<K>): EventDraft<T> | undefined | Promise<EventDraft<T> | undefined>;
}

/** An operation's source of events of one type, whose `describe` gives that type's `data`. */
type TypedEventSource<K extends OperationId> = { [T in EventType]: EventSource<K, T> }[EventType];

/** The event types whose `data` is a project. */
type ProjectEventType = { [T in EventType]: EventData<T> extends Project ? T : never }[EventType];

/** A leaf of a project, by dotted path: nested objects are walked, lists compared whole. */
function leaves(value: unknown, prefix: string, into: Map<string, unknown>): Map<string, unknown> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value)) leaves(inner, prefix ? `${prefix}.${key}` : key, into);
  } else {
    into.set(prefix, value);
  }
  return into;
}

/** The project's change from `before` to `after`, or undefined when nothing the API shows differs. */
export function projectChange<T extends ProjectEventType>(before: Project | undefined, after: Project): EventDraft<T> | undefined {
  const old = leaves(before, '', new Map());
  const changedFields: string[] = [];
  const previous: Record<string, unknown> = {};
  for (const [path, value] of leaves(after, '', new Map())) {
    if (JSON.stringify(value) !== JSON.stringify(old.get(path))) {
      changedFields.push(path);
      previous[path] = old.get(path) ?? null;
    }
  }
  if (changedFields.length === 0) return undefined;
  return { projectId: after.id, data: after as EventData<T>, changedFields, previous };
}

/** The project as it is now, inside the change's transaction. */
async function projectNow(tx: Tx, id: number): Promise<Project> {
  const row = await findProjectView(tx, id);
  return toProject(row!);
}

/** A change of a project whose handler answers with the whole project. */
function projectAction<K extends OperationId, T extends ProjectEventType>(type: T): EventSource<K, T> {
  return { type, projectBefore: 'update', describe: ({ before, reply }) => projectChange(before, (reply.body as { data: Project }).data) };
}

/** A change of a project whose handler answers with part of it: the project is read again. */
function projectPartAction<K extends OperationId, T extends ProjectEventType>(type: T): EventSource<K, T> {
  return { type, projectBefore: 'update', describe: async ({ before, tx, input }) => projectChange(before, await projectNow(tx, (input.path as { id: number }).id)) };
}

/**
 * A resource created or removed under the project of `path.id` (or, for `projectId: null`, under none):
 * the operation's `data` is the type's (the spec's `Event` mapping; the feed's answers are validated against it).
 */
function resourceChanged<K extends OperationId, T extends EventType>(type: T, projectId: 'path' | null): EventSource<K, T> {
  return {
    type,
    ...(projectId === 'path' ? { projectActivity: true } : {}),
    describe: ({ input, reply }) => newResourceEvent<T>(projectId === 'path' ? (input.path as { id: number }).id : null, (reply.body as { data: unknown }).data as EventData<T>),
  };
}

/**
 * Writes that record no event: webhook configuration and delivery are how events leave, not the
 * account's data, and a receiver would otherwise be told about itself.
 */
export const UNRECORDED = 'unrecorded';

/**
 * The event of every operation: `null` for reads. A new operation does not compile until it is
 * listed here, so no change can slip past the feed.
 */
export const eventSources = {
  listProjects: null,
  getProject: null,
  createProject: { type: 'project.created', describe: ({ reply }) => newResourceEvent(reply.body.data.id, reply.body.data) },
  updateProject: projectAction('project.updated'),
  deleteProject: { type: 'project.deleted', projectBefore: 'delete', describe: ({ before }) => before && newResourceEvent(before.id, before) },
  assignProject: projectPartAction('project.assigned'),
  setProjectManager: projectPartAction('project.manager_changed'),
  changeProjectStatus: projectAction('project.status_changed'),
  updateProjectProgress: projectAction('project.progress_changed'),
  setProjectTags: projectAction('project.tags_changed'),
  archiveProject: projectAction('project.archived'),
  restoreProject: projectAction('project.restored'),
  stopProjectTimers: {
    type: 'project.timers_stopped',
    describe: ({ reply }) => (reply.body.data.stopped > 0 ? newResourceEvent(reply.body.data.id, reply.body.data) : undefined),
  },
  // A large clone is only queued here (202, which server/http/clone-answer.ts may settle as a 201 once
  // copied): its event is recorded when the copy commits (server/projects/duplication/jobs.ts).
  cloneProject: { type: 'project.cloned', describe: ({ reply }) => (reply.status === 201 ? newResourceEvent(reply.body.data.id, reply.body.data) : undefined) },
  getProjectDuplication: null,
  listClients: null,
  createClient: resourceChanged('client.created', null),
  getClient: null,
  listCategories: null,
  createCategory: resourceChanged('category.created', null),
  getCategory: null,
  listTeamUsers: null,
  createTeamUser: resourceChanged('team_user.created', null),
  getTeamUser: null,
  listCustomFields: null,
  createCustomField: resourceChanged('custom_field.created', null),
  getCustomField: null,
  updateCustomField: resourceChanged('custom_field.updated', null),
  deleteCustomField: resourceChanged('custom_field.deleted', null),
  listProjectTasks: null,
  createProjectTask: resourceChanged('task.created', 'path'),
  listProjectMilestones: null,
  createProjectMilestone: resourceChanged('milestone.created', 'path'),
  listProjectTimers: null,
  startProjectTimer: resourceChanged('timer.started', 'path'),
  listProjectFiles: null,
  createProjectFile: resourceChanged('file.created', 'path'),
  listProjectComments: null,
  createProjectComment: resourceChanged('comment.created', 'path'),
  deleteProjectComment: resourceChanged('comment.deleted', 'path'),
  listProjectInvoices: null,
  createProjectInvoice: resourceChanged('invoice.created', 'path'),
  listProjectEstimates: null,
  createProjectEstimate: resourceChanged('estimate.created', 'path'),
  listEvents: null,
  listProjectActivities: null,
  listWebhooks: null,
  createWebhook: UNRECORDED,
  getWebhook: null,
  updateWebhook: UNRECORDED,
  deleteWebhook: UNRECORDED,
  pingWebhook: UNRECORDED,
  listWebhookDeliveries: null,
  redeliverWebhookDelivery: UNRECORDED,
  getMe: null,
  listApiKeys: null,
  createApiKey: UNRECORDED,
  revokeApiKey: UNRECORDED,
} satisfies { [K in OperationId]: TypedEventSource<K> | null | typeof UNRECORDED };

/** Locks the project (or finds none, which the handler then answers with its 404) and reads it. */
async function lockedProject(tx: Tx, id: number, lock: 'update' | 'delete'): Promise<Project | undefined> {
  const row = await findProjectView(tx, id, { lock });
  return row && toProject(row);
}

/** A write's answer, and whether the event it recorded has a webhook subscription to go to. */
export interface RecordedReply<K extends OperationId> { reply: Reply<K>; subscribed: boolean }

/**
 * Runs a write operation's handler in `tx` and records its event there: the change and its event
 * commit together or not at all.
 */
export async function runRecorded<K extends OperationId>(
  operationId: K,
  handler: Handler<K>,
  input: HandlerInput<K>,
  tx: Tx,
  caller: Caller,
): Promise<RecordedReply<K>> {
  const source = eventSources[operationId] as EventSource<K> | null | typeof UNRECORDED;
  if (source === null) throw new Error(`${operationId} is not a write: it runs outside a transaction`);
  if (source === UNRECORDED) return { reply: await handler(input), subscribed: false };
  const before = source.projectBefore ? await lockedProject(tx, (input.path as { id: number }).id, source.projectBefore) : undefined;
  const reply = await handler(input);
  const draft = await source.describe({ tx, input, reply, before });
  if (source.projectActivity) {
    const projectId = (input.path as { id: number }).id;
    if (draft) return { reply, subscribed: await touchProjectWithEvent(tx, projectId, source.type, caller, draft) };
    await touchProjectActivity(tx, projectId, caller.userId);
    return { reply, subscribed: false };
  }
  return { reply, subscribed: draft ? await insertEvent(tx, source.type, caller, draft) : false };
}

/** True for operations that change something. */
export function isWriteOperation(operationId: OperationId): boolean {
  return eventSources[operationId] !== null;
}

/** True for the writes that record an event (and so run in a transaction with it). */
export function recordsEvents(operationId: OperationId): boolean {
  const source = eventSources[operationId];
  return source !== null && source !== UNRECORDED;
}
