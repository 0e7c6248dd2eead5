// API keys in the API's shapes.
import type { components } from '../../generated/api-types.ts';
import type { Prisma } from '../../generated/prisma/client.ts';
import { timestamp } from '../core/dates.ts';
import { idName } from '../team/mapping.ts';
import type { API_KEY_COLUMNS } from './store.ts';

type Schemas = components['schemas'];

export function toApiKey(row: Prisma.ApiKeyGetPayload<{ select: typeof API_KEY_COLUMNS }>): Schemas['ApiKey'] {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    role: row.role,
    scopes: row.scopes,
    user: idName(row.user),
    created: timestamp(row.createdAt),
    last_used: row.lastUsedAt && timestamp(row.lastUsedAt),
    revoked: row.revokedAt && timestamp(row.revokedAt),
  };
}
