// Milestones in the API's shape.
import type { components } from '../../../generated/api-types.ts';
import type { Prisma } from '../../../generated/prisma/client.ts';
import { calendarDate, timestamp } from '../../core/dates.ts';

type Schemas = components['schemas'];

export function toMilestone(row: Prisma.MilestoneGetPayload<object>): Schemas['Milestone'] {
  return { id: row.id, project_id: row.projectId, title: row.title, date_due: row.dateDue && calendarDate(row.dateDue), created: timestamp(row.createdAt) };
}
