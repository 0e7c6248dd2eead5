// Background clones (duplications) in the API's shape.
import type { components } from '../../../generated/api-types.ts';
import type { Prisma } from '../../../generated/prisma/client.ts';
import { timestamp } from '../../core/dates.ts';

type Schemas = components['schemas'];

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
