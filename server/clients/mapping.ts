// Clients in the API's shape.
import type { components } from '../../generated/api-types.ts';
import { timestamp } from '../core/dates.ts';

type Schemas = components['schemas'];

export function toClient(row: { id: number; companyName: string; createdAt: Date }): Schemas['Client'] {
  return { id: row.id, company_name: row.companyName, created: timestamp(row.createdAt) };
}
