// Rules on a request body that its schema cannot state: the rows it refers to must exist, and dates
// given together must be in order. A handler runs its operation's rules in its transaction; when the
// schema validation fails, completeValidation runs them on the fields that passed, so that one 422
// names every bad field of the request.
import type { FieldErrorCollector } from '../errors.ts';
import type { BodyCheckRegistry } from './types.ts';
import { expectFound, mustNotPrecede, selectId, type Db } from './shared.ts';

type ProjectReferences = Partial<Record<'project_clientid' | 'project_categoryid' | 'project_creatorid', number>>;

/** Adds a 422 message per referenced client, category or creator that does not exist. */
async function checkProjectReferences(db: Db, errors: FieldErrorCollector, body: ProjectReferences): Promise<void> {
  // One after another: a transaction's queries share one connection.
  if (body.project_clientid !== undefined) await expectFound(errors, 'project_clientid', db.client.findUnique({ where: { id: body.project_clientid }, ...selectId }));
  if (body.project_categoryid !== undefined) await expectFound(errors, 'project_categoryid', db.category.findUnique({ where: { id: body.project_categoryid }, ...selectId }));
  if (body.project_creatorid !== undefined) await expectFound(errors, 'project_creatorid', db.user.findUnique({ where: { id: body.project_creatorid }, ...selectId }));
}

export const bodyChecks = {
  createProject: async (db, { body }, errors) => {
    mustNotPrecede(errors, 'project_date_due', body.project_date_due, 'project_date_start', body.project_date_start);
    await checkProjectReferences(db, errors, body);
  },
  // Their dates are checked against the stored project, once the request is otherwise valid.
  updateProject: (db, { body }, errors) => checkProjectReferences(db, errors, body),
  cloneProject: (db, { body }, errors) => checkProjectReferences(db, errors, body),
  startProjectTimer: async (db, { path, body }, errors) => {
    if (body.user_id !== undefined) await expectFound(errors, 'user_id', db.user.findUnique({ where: { id: body.user_id }, ...selectId }));
    if (body.task_id !== undefined && path.id !== undefined) {
      await expectFound(errors, 'task_id', db.task.findFirst({ where: { id: body.task_id, projectId: path.id }, ...selectId }));
    }
  },
  createProjectInvoice: async (_db, { body }, errors) => {
    mustNotPrecede(errors, 'invoice_due_date', body.invoice_due_date, 'invoice_date', body.invoice_date);
  },
  createProjectEstimate: async (_db, { body }, errors) => {
    mustNotPrecede(errors, 'estimate_expiry_date', body.estimate_expiry_date, 'estimate_date', body.estimate_date);
  },
} satisfies BodyCheckRegistry;
