// Idempotency keys in the database: the claim of a key, and the sweep of expired ones.
import { sql } from 'kysely';
import { compileOnce, compileStatement, executeStatement, queryRows, sqlBuilder } from '../platform/database/sql.ts';
import type { Db, Tx } from '../platform/database/transaction.ts';

export interface KeyClaim { apiKeyId: number; key: string; request: string; fingerprint: string; ttlMs: number; waitMs: number }

// Built and compiled once: they run on every idempotent write.
const setLockTimeout = compileOnce((ms: string) => sql`SELECT set_config('lock_timeout', ${ms}, true)`);
const RESET_LOCK_TIMEOUT = compileStatement(sql`SET LOCAL lock_timeout TO DEFAULT`);
const claimStatement = compileOnce((apiKeyId: number, key: string, request: string, fingerprint: string, ttlMs: number) => sqlBuilder.insertInto('idempotency_keys')
  .values({ api_key_id: apiKeyId, key, request, fingerprint, expires_at: sql<Date>`now() + ${ttlMs} * interval '1 millisecond'` })
  .onConflict((conflict) => conflict.columns(['organization_id', 'api_key_id', 'key'])
    .doUpdateSet((eb) => ({
      request: eb.ref('excluded.request'), fingerprint: eb.ref('excluded.fingerprint'),
      status: eb.lit(null), body: eb.lit(null), headers: eb.lit(null),
      created_at: sql<Date>`now()`, expires_at: eb.ref('excluded.expires_at'),
    }))
    .where('idempotency_keys.expires_at', '<=', sql<Date>`now()`))
  .returning('key'));

/**
 * Inserts the key, or takes it over once expired, waiting at most `waitMs` for a transaction that
 * holds it (only the claim: the change's own locks keep the usual limits). False when the key is
 * held by a request that took it first and has not expired.
 */
export async function claimIdempotencyKey(tx: Tx, claim: KeyClaim): Promise<boolean> {
  await queryRows(tx, setLockTimeout(String(claim.waitMs)));
  const claimed = await queryRows(tx, claimStatement(claim.apiKeyId, claim.key, claim.request, claim.fingerprint, claim.ttlMs));
  await executeStatement(tx, RESET_LOCK_TIMEOUT);
  return claimed.length > 0;
}

/** Deletes at most `limit` expired keys; returns how many. */
export function removeExpiredKeys(db: Db, limit: number): Promise<number> {
  const ctid = sql<string>`ctid`;
  return executeStatement(db, sqlBuilder.deleteFrom('idempotency_keys')
    .where(ctid, 'in', sqlBuilder.selectFrom('idempotency_keys').select(ctid.as('ctid')).where('expires_at', '<=', sql<Date>`now()`).limit(limit)));
}
