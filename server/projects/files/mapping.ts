// Project files in the API's shape.
import type { components } from '../../../generated/api-types.ts';
import type { Prisma } from '../../../generated/prisma/client.ts';
import { timestamp } from '../../core/dates.ts';

type Schemas = components['schemas'];

export function toProjectFile(row: Prisma.ProjectFileGetPayload<object>): Schemas['ProjectFile'] {
  return { id: row.id, project_id: row.projectId, name: row.name, url: row.url, created: timestamp(row.createdAt) };
}
