// Custom fields in the API's shape.
import type { components } from '../../../generated/api-types.ts';
import type { Prisma } from '../../../generated/prisma/client.ts';
import { timestamp } from '../../core/dates.ts';

type Schemas = components['schemas'];

export function toCustomField(row: Prisma.CustomFieldGetPayload<object>): Schemas['CustomField'] {
  return { id: row.id, key: row.key, name: row.name, type: row.type, options: row.options, created: timestamp(row.createdAt) };
}
