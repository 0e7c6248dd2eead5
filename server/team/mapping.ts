// Team users in the API's shapes.
import type { components } from '../../generated/api-types.ts';
import type { Prisma } from '../../generated/prisma/client.ts';
import { timestamp } from '../core/dates.ts';

type Schemas = components['schemas'];

export const userName = { select: { id: true, firstName: true, lastName: true } } as const;
type UserName = { id: number; firstName: string; lastName: string };

export function idName(user: UserName): Schemas['IdName'] {
  return { id: user.id, name: `${user.firstName} ${user.lastName}` };
}

export function toTeamUser(row: Prisma.UserGetPayload<object>): Schemas['TeamUser'] {
  return {
    id: row.id,
    first_name: row.firstName,
    last_name: row.lastName,
    name: `${row.firstName} ${row.lastName}`,
    email: row.email,
    role: row.role,
    created: timestamp(row.createdAt),
  };
}
