// Handlers for a project's invoices, billed to the project's client.
import { FieldErrorCollector } from '../../core/errors.ts';
import { bodyChecks } from '../rules.ts';
import type { Handler } from '../../contract/operations.ts';
import { billedClientId, lockProject, projectChildrenPage } from '../store.ts';
import { parseCalendarDate } from '../../core/dates.ts';
import { toInvoice } from './mapping.ts';

export const listProjectInvoices: Handler<'listProjectInvoices'> = async ({ prisma, path, query }) => {
  const page = await projectChildrenPage(prisma, path.id, query,
    (args) => prisma.invoice.findMany(args), (args) => prisma.invoice.count(args), toInvoice);
  return { status: 200, body: { ...page, message: 'Invoices retrieved successfully.' } };
};

export const createProjectInvoice: Handler<'createProjectInvoice'> = async ({ prisma, path, body }) => {
  const row = await prisma.$transaction(async (tx) => {
    await lockProject(tx, path.id, 'key share');
    const errors = new FieldErrorCollector();
    await bodyChecks.createProjectInvoice(tx, { path, body }, errors);
    errors.throwIfAny();
    const clientId = await billedClientId(tx, path.id);
    return tx.invoice.create({
      data: {
        projectId: path.id,
        clientId,
        status: body.invoice_status ?? 'draft',
        date: parseCalendarDate(body.invoice_date),
        dueDate: parseCalendarDate(body.invoice_due_date),
        amount: body.invoice_amount.toFixed(2),
      },
    });
  });
  return { status: 201, body: { data: toInvoice(row), message: 'Invoice created successfully.' } };
};
