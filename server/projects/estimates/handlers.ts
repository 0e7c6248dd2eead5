// Handlers for a project's estimates, addressed to the project's client.
import { FieldErrorCollector } from '../../core/errors.ts';
import { bodyChecks } from '../rules.ts';
import type { Handler } from '../../contract/operations.ts';
import { billedClientId, lockProject, projectChildrenPage } from '../store.ts';
import { parseCalendarDate } from '../../core/dates.ts';
import { toEstimate } from './mapping.ts';

export const listProjectEstimates: Handler<'listProjectEstimates'> = async ({ prisma, path, query }) => {
  const page = await projectChildrenPage(prisma, path.id, query,
    (args) => prisma.estimate.findMany(args), (args) => prisma.estimate.count(args), toEstimate);
  return { status: 200, body: { ...page, message: 'Estimates retrieved successfully.' } };
};

export const createProjectEstimate: Handler<'createProjectEstimate'> = async ({ prisma, path, body }) => {
  const row = await prisma.$transaction(async (tx) => {
    await lockProject(tx, path.id, 'key share');
    const errors = new FieldErrorCollector();
    await bodyChecks.createProjectEstimate(tx, { path, body }, errors);
    errors.throwIfAny();
    const clientId = await billedClientId(tx, path.id);
    return tx.estimate.create({
      data: {
        projectId: path.id,
        clientId,
        status: body.estimate_status ?? 'draft',
        date: parseCalendarDate(body.estimate_date),
        expiryDate: body.estimate_expiry_date ? parseCalendarDate(body.estimate_expiry_date) : null,
        amount: body.estimate_amount.toFixed(2),
      },
    });
  });
  return { status: 201, body: { data: toEstimate(row), message: 'Estimate created successfully.' } };
};
