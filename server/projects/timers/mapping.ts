// Timers in the API's shape.
import type { components } from '../../../generated/api-types.ts';
import type { Prisma } from '../../../generated/prisma/client.ts';
import { timestamp } from '../../core/dates.ts';
import { idName, userName } from '../../team/mapping.ts';

type Schemas = components['schemas'];

export const timerInclude = { user: userName } satisfies Prisma.TimerInclude;

export function toTimer(row: Prisma.TimerGetPayload<{ include: typeof timerInclude }>): Schemas['Timer'] {
  return {
    id: row.id,
    project_id: row.projectId,
    task_id: row.taskId,
    user: idName(row.user),
    status: row.stoppedAt ? 'stopped' : 'running',
    started: timestamp(row.startedAt),
    stopped: row.stoppedAt ? timestamp(row.stoppedAt) : null,
    duration: row.durationSeconds,
  };
}
