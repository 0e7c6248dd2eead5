// What an API key may do. Every operation of the contract needs one scope (its `security`
// requirement names it): `<area>:read` for reads, `<area>:write` for changes. A key has a role, which
// grants a set of scopes, and may list scopes of its own that narrow it further (a read-only admin
// key, a key for projects only), in the spirit of Stripe's restricted keys and GitHub's fine-grained
// tokens. `write` includes `read` of the same area.

export const AREAS = ['projects', 'clients', 'categories', 'custom_fields', 'team', 'events', 'webhooks', 'api_keys'] as const;
export type Area = (typeof AREAS)[number];
export type Access = 'read' | 'write';
export type Scope = `${Area}:${Access}`;

export const ROLES = ['admin', 'member', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export const SCOPES: readonly Scope[] = AREAS.flatMap((area) => [`${area}:read`, `${area}:write`] as const);

/** The areas a member may change: the organization's work, not its people, settings or keys. */
const MEMBER_WRITES: readonly Area[] = ['projects', 'clients', 'categories'];

/** The scopes each role grants: every role reads everything (no answer shows a secret twice). */
export const ROLE_SCOPES = {
  admin: SCOPES,
  member: SCOPES.filter((scope) => scope.endsWith(':read') || MEMBER_WRITES.some((area) => scope === `${area}:write`)),
  viewer: SCOPES.filter((scope) => scope.endsWith(':read')),
} as const satisfies Record<Role, readonly Scope[]>;

/** What a key's `scopes` may list: a scope, or `*:read` / `*:write` for that access to every area. */
export const SCOPE_PATTERN = /^(\*|[a-z_]+):(read|write)$/;

/** The scopes one listed scope stands for (write includes read); none when it names no area. */
export function expandScope(listed: string): Scope[] {
  const match = SCOPE_PATTERN.exec(listed);
  if (!match) return [];
  const [, area, access] = match;
  const areas = area === '*' ? AREAS : AREAS.filter((known) => known === area);
  return areas.flatMap((known) => (access === 'write' ? [`${known}:read`, `${known}:write`] as const : [`${known}:read`] as const));
}

/** The scopes a key holds: its role's, narrowed to its own list when it has one. */
export function grantedScopes(role: Role, listed: readonly string[]): Set<Scope> {
  const byRole = new Set<Scope>(ROLE_SCOPES[role]);
  if (listed.length === 0) return byRole;
  const narrowed = new Set(listed.flatMap(expandScope));
  return new Set([...byRole].filter((scope) => narrowed.has(scope)));
}

/** Who sends a request: its API key, the team user the key acts as, and what it may do. */
export interface Caller {
  organizationId: number;
  apiKeyId: number;
  userId: number;
  role: Role;
  /** The key's own list (empty: the role's scopes). */
  listedScopes: readonly string[];
  scopes: ReadonlySet<Scope>;
}

/**
 * What is wrong with each scope a new key lists, by its index: a scope must name an area, be one its
 * role grants, and be one the key creating it holds (a key never makes a key that may do more).
 */
export function listedScopeErrors(role: Role, listed: readonly string[], creator: ReadonlySet<Scope>): Map<number, string> {
  const errors = new Map<number, string>();
  listed.forEach((scope, index) => {
    const expanded = expandScope(scope);
    if (expanded.length === 0) errors.set(index, `The scope ${scope} names no area. Areas: ${AREAS.join(', ')}.`);
    else if (!expanded.every((one) => ROLE_SCOPES[role].includes(one))) errors.set(index, `The role ${role} does not grant the scope ${scope}.`);
    else if (!expanded.every((one) => creator.has(one))) {
      errors.set(index, `The scope ${scope} grants more than this API key may do itself.`);
    }
  });
  return errors;
}

/** The 403 message for a caller that lacks `scope`. */
export function missingScopeMessage(caller: Caller, scope: Scope): string {
  const byRole = ROLE_SCOPES[caller.role].includes(scope);
  const why = byRole ? `which the key's own scopes (${caller.listedScopes.join(', ')}) do not include` : `which its role (${caller.role}) does not grant`;
  return `This API key cannot do this: it needs the scope ${scope}, ${why}.`;
}
