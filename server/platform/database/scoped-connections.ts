// Connections that run each statement in its scope (tenancy.ts): before a statement whose scope
// differs from the one last applied to its connection, SCOPE_STATEMENT sets the role and the
// organization for the session. A connection keeps serving one organization without a statement
// more (a single organization costs one SCOPE_STATEMENT per connection, ever). Nothing here is
// offered by pg, Prisma's adapters or PGlite: each connection's own state has to be tracked.
import type { PGlite } from '@electric-sql/pglite';
import type pg from 'pg';
import { currentScope, type DatabaseScope, SCOPE_STATEMENT, SYSTEM, scopeKey, scopeSettings } from './tenancy.ts';

/** The scope a pooled statement was sent from, carried with it to the connection that runs it. */
const SCOPE = Symbol('database scope');

type Scoped = { [SCOPE]?: DatabaseScope | undefined };
type QueryFunction = (...args: unknown[]) => unknown;

/**
 * pg's Client that applies each statement's scope first. A transaction runs in the scope applied
 * before its BEGIN: a statement of another scope inside it is refused, as setting it there would be
 * undone by a rollback.
 */
export function scopedClient(Client: typeof pg.Client): typeof pg.Client {
  return class ScopedClient extends Client {
    #applied: string | undefined;
    #inTransaction = false;

    override query(...args: unknown[]): never {
      const [config] = args;
      const carried = typeof config === 'object' && config !== null && SCOPE in config;
      const scope = carried ? (config as Scoped)[SCOPE] : currentScope();
      const text = typeof config === 'string' ? config : (config as { text?: unknown } | null)?.text;
      const send = () => {
        if (text === 'BEGIN') this.#inTransaction = true;
        else if (text === 'COMMIT' || text === 'ROLLBACK') this.#inTransaction = false;
        return (super.query as QueryFunction)(...args);
      };
      const key = scopeKey(scope);
      if (key === this.#applied) return send() as never;
      const callback = typeof args.at(-1) === 'function' ? (args.at(-1) as (error: Error) => void) : undefined;
      const applying = this.#inTransaction
        ? Promise.reject(new Error('A statement of another organization inside a transaction'))
        : ((super.query as QueryFunction)({ text: SCOPE_STATEMENT, values: scopeSettings(scope) }) as Promise<unknown>).then(
          () => { this.#applied = key; },
          (error: unknown) => { this.#applied = undefined; throw error; },
        );
      if (callback) {
        applying.then(send, callback);
        return undefined as never;
      }
      return applying.then(send) as never;
    }
  };
}

/**
 * pg's Pool that gives each statement the scope it was sent from: the pool may run it later, in a
 * callback of whichever request released a connection (another asynchronous context).
 */
export function scopedPool(Pool: typeof pg.Pool): typeof pg.Pool {
  return class ScopedPool extends Pool {
    override query(...args: unknown[]): never {
      const [config, ...rest] = args;
      const scoped: Scoped = typeof config === 'string' ? { text: config } as Scoped : { ...(config as object) };
      scoped[SCOPE] = currentScope();
      return (super.query as QueryFunction)(scoped, ...rest) as never;
    }
  };
}

/**
 * The embedded database, seen by the server's statements (`app`: each in the scope it was sent
 * from) and by the job queue and the schema engine (`system`). PGlite has one session: every call
 * through either view is run in order, one at a time (as PGlite does anyway), after the session
 * has been set to its scope, so that no other scope can come between the setting and the statement.
 * A transaction holds the session, in the scope set before its BEGIN, to its end.
 */
export function scopedPglite(pglite: PGlite): { app: PGlite; system: PGlite } {
  let applied: string | undefined;
  let queue: Promise<unknown> = Promise.resolve();
  const inScope = <T>(scope: DatabaseScope | undefined, work: () => Promise<T>): Promise<T> => {
    const run = queue.then(async () => {
      const key = scopeKey(scope);
      if (key !== applied) {
        applied = undefined;
        await pglite.query(SCOPE_STATEMENT, scopeSettings(scope));
        applied = key;
      }
      return work();
    });
    queue = run.catch(() => {});
    return run;
  };
  const view = (scopeOf: () => DatabaseScope | undefined) => new Proxy(pglite, {
    get(target, property) {
      if (property === 'query' || property === 'exec' || property === 'transaction') {
        const method = (target[property] as QueryFunction).bind(target);
        return (...args: unknown[]) => inScope(scopeOf(), () => method(...args) as Promise<unknown>);
      }
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { app: view(currentScope), system: view(() => SYSTEM) };
}
