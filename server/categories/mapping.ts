// Categories in the API's shape.
import type { components } from '../../generated/api-types.ts';
import { timestamp } from '../core/dates.ts';

type Schemas = components['schemas'];

export function toCategory(row: { id: number; name: string; createdAt: Date }): Schemas['Category'] {
  return { id: row.id, name: row.name, created: timestamp(row.createdAt) };
}
