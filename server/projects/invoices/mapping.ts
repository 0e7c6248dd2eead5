// Invoices in the API's shape.
import type { components } from '../../../generated/api-types.ts';
import type { Prisma } from '../../../generated/prisma/client.ts';
import { calendarDate, timestamp } from '../../core/dates.ts';
import { money } from '../../core/money.ts';

type Schemas = components['schemas'];

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
