// The organization a statement runs in. Every tenant table has row-level security (migration
// 20261207113332_organizations): as the server's role (SERVER_ROLE) a statement sees and writes only
// the rows of the organization its connection is set to, so a query that forgets to filter still
// leaks nothing. The scope travels with the asynchronous work that a request or a job starts
// (AsyncLocalStorage); the connections apply it (scoped-connections.ts) before each statement.
import { AsyncLocalStorage } from 'node:async_hooks';

/** A statement's scope: one organization, or the system (the tables' owner, above row-level security). */
export type DatabaseScope = { readonly organizationId: number } | typeof SYSTEM;

/**
 * Work of the server itself, across organizations: start-up, the API-key cache, the webhook relay's
 * fan-out, sweeps of expired rows. Runs as the user the server connects as (the tables' owner).
 */
export const SYSTEM = 'system';

/** The role statements of an organization run as: owns nothing, cannot bypass row-level security. */
export const SERVER_ROLE = 'projects_api';

/** The organization of every row written before organizations existed, and of a fresh install. */
export const FIRST_ORGANIZATION_ID = 1;

const scopes = new AsyncLocalStorage<DatabaseScope>();

/**
 * Runs `work` (and everything it starts) in `organizationId`. Its result is awaited inside: a Prisma
 * query is lazy, and would otherwise run where it is awaited, outside the scope.
 */
export function inOrganization<T>(organizationId: number, work: () => T | PromiseLike<T>): Promise<T> {
  return scopes.run({ organizationId }, async () => await work());
}

/** Runs `work` (and everything it starts) as the system; its result is awaited inside, as above. */
export function asSystem<T>(work: () => T | PromiseLike<T>): Promise<T> {
  return scopes.run(SYSTEM, async () => await work());
}

/** The scope of the work running now; undefined outside any (its statements see no tenant row). */
export function currentScope(): DatabaseScope | undefined {
  return scopes.getStore();
}

/** The organization the work running now belongs to; throws outside one. */
export function currentOrganizationId(): number {
  const scope = scopes.getStore();
  if (scope === undefined || scope === SYSTEM) throw new Error('Not running in an organization');
  return scope.organizationId;
}

/** Sets a connection's role and organization for the statements that follow on it. */
export const SCOPE_STATEMENT = "SELECT set_config('role', $1, false), set_config('projects.organization_id', $2, false)";

/**
 * SCOPE_STATEMENT's values for `scope`: the system resets the role (to the connecting user);
 * without a scope, the server's role in no organization, which sees no tenant row.
 */
export function scopeSettings(scope: DatabaseScope | undefined): [role: string, organizationId: string] {
  if (scope === SYSTEM) return ['none', ''];
  return [SERVER_ROLE, scope === undefined ? '' : String(scope.organizationId)];
}

/** Equal for two scopes exactly when their settings are. */
export function scopeKey(scope: DatabaseScope | undefined): string {
  return scopeSettings(scope).join(':');
}

/** The primary key of row `id` of the current organization, as Prisma's unique lookups take it. */
export function rowKey<Id extends number | bigint>(id: Id): { organizationId_id: { organizationId: number; id: Id } } {
  return { organizationId_id: { organizationId: currentOrganizationId(), id } };
}

/** Runs `work` (and everything it starts) outside any scope, as a process's own start-up runs. */
export function outsideAnyScope<T>(work: () => T | PromiseLike<T>): Promise<T> {
  return scopes.exit(async () => await work());
}
