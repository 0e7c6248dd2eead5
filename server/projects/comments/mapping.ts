// Comments in the API's shape.
import type { components } from '../../../generated/api-types.ts';
import type { Prisma } from '../../../generated/prisma/client.ts';
import { timestamp } from '../../core/dates.ts';
import { idName, userName } from '../../team/mapping.ts';

type Schemas = components['schemas'];

export const commentInclude = { creator: userName } satisfies Prisma.ProjectCommentInclude;

export function toComment(row: Prisma.ProjectCommentGetPayload<{ include: typeof commentInclude }>): Schemas['Comment'] {
  return { id: row.id, project_id: row.projectId, text: row.text, creator: idName(row.creator), created: timestamp(row.createdAt) };
}
