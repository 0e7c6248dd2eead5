// Tasks in the API's shape.
import type { components } from '../../../generated/api-types.ts';
import type { Prisma } from '../../../generated/prisma/client.ts';
import { calendarDate, timestamp } from '../../core/dates.ts';

type Schemas = components['schemas'];

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
