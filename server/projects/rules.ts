// Rules on a request body that its schema cannot state: the rows it refers to must exist, and dates
// given together must be in order. A handler runs its operation's rules in its transaction; when the
// schema validation fails, completeValidation runs them on the fields that passed, so that one 422
// names every bad field of the request.
import type { FieldErrorCollector } from '../core/errors.ts';
import { fieldRequired, INTERNAL_PROJECT_CLIENT_MESSAGE, invalidSelection } from '../core/messages.ts';
import type { BodyCheckRegistry } from '../contract/operations.ts';
import { prepareCustomValues } from './custom-fields/store.ts';
import type { Db } from '../platform/database/transaction.ts';
import { projectReferences } from './store.ts';
import { expectFound, mustHaveAtMostDecimals, mustNotPrecede, selectId } from '../core/field-rules.ts';

type ProjectReferences = Partial<Record<'project_clientid' | 'project_categoryid' | 'project_creatorid', number>>;

/**
 * Adds a 422 message per referenced client, category or creator that does not exist, in one
 * statement; returns the main administrator (the first admin team user), a new project's default creator,
 * and the client's company name (a new project's number may hold its code).
 */
async function checkProjectReferences(db: Db, errors: FieldErrorCollector, body: ProjectReferences): Promise<{ mainAdministratorId: number; clientCompanyName: string | null }> {
  const client = body.project_clientid ?? null;
  const category = body.project_categoryid ?? null;
  const creator = body.project_creatorid ?? null;
  const found = await projectReferences(db, client, category, creator);
  if (client !== null && found!.client_name === null) errors.add('project_clientid', invalidSelection('project_clientid'));
  if (!found!.category) errors.add('project_categoryid', invalidSelection('project_categoryid'));
  if (!found!.creator) errors.add('project_creatorid', invalidSelection('project_creatorid'));
  return { mainAdministratorId: found!.admin, clientCompanyName: found!.client_name };
}

/**
 * Estimated hours are stored to the hundredth of an hour: a value with more decimals is refused, never
 * rounded. (The schema cannot say it: the validator's `multipleOf: 0.01` divides in binary floating
 * point, and refuses 80.26.)
 */
const HOURS_DECIMALS = 2;

export const bodyChecks = {
  createProject: async (db, { body }, errors) => {
    if (body.project_type === 'internal' && body.project_clientid !== undefined) {
      errors.add('project_clientid', INTERNAL_PROJECT_CLIENT_MESSAGE);
    } else if (body.project_type !== 'internal' && body.project_clientid === undefined && !errors.touches('project_clientid')) {
      errors.add('project_clientid', fieldRequired('project_clientid'));
    }
    mustNotPrecede(errors, 'project_date_due', body.project_date_due, 'project_date_start', body.project_date_start);
    mustHaveAtMostDecimals(errors, 'project_billing_estimated_hours', body.project_billing_estimated_hours, HOURS_DECIMALS);
    const [references, customValues] = await Promise.all([checkProjectReferences(db, errors, body), prepareCustomValues(db, body.project_custom_fields, errors)]);
    return { ...references, customValues };
  },
  // Their dates are checked against the stored project, once the request is otherwise valid.
  updateProject: async (db, { body }, errors) => {
    mustHaveAtMostDecimals(errors, 'project_billing_estimated_hours', body.project_billing_estimated_hours, HOURS_DECIMALS);
    await checkProjectReferences(db, errors, body);
    return prepareCustomValues(db, body.project_custom_fields, errors);
  },
  cloneProject: (db, { body }, errors) => checkProjectReferences(db, errors, body),
  // Every id that is not a team user is named (`assigned.1`), also beside the schema's errors on
  // other items (`assigned.0` not an integer); returns the team users found, for the answer.
  assignProject: async (db, { body }, errors) => {
    const given = (body.assigned ?? []).map((id, index) => ({ id, field: `assigned.${index}` }))
      .filter(({ id, field }) => Number.isInteger(id) && !errors.touches(field));
    const users = await db.user.findMany({ where: { id: { in: given.map(({ id }) => id) } }, select: { id: true, firstName: true, lastName: true } });
    const found = new Set(users.map((user) => user.id));
    for (const { id, field } of given) if (!found.has(id)) errors.add(field, invalidSelection(field));
    return users;
  },
  startProjectTimer: async (db, { path, body }, errors) => {
    if (body.user_id !== undefined) await expectFound(errors, 'user_id', db.user.findFirst({ where: { id: body.user_id }, ...selectId }));
    if (body.task_id !== undefined && path.id !== undefined) {
      await expectFound(errors, 'task_id', db.task.findFirst({ where: { id: body.task_id, projectId: path.id }, ...selectId }));
    }
  },
  createProjectComment: async (db, { body }, errors) => {
    if (body.comment_creatorid !== undefined) {
      await expectFound(errors, 'comment_creatorid', db.user.findFirst({ where: { id: body.comment_creatorid }, ...selectId }));
    }
  },
  createProjectInvoice: async (_db, { body }, errors) => {
    mustNotPrecede(errors, 'invoice_due_date', body.invoice_due_date, 'invoice_date', body.invoice_date);
  },
  createProjectEstimate: async (_db, { body }, errors) => {
    mustNotPrecede(errors, 'estimate_expiry_date', body.estimate_expiry_date, 'estimate_date', body.estimate_date);
  },
} satisfies BodyCheckRegistry;
