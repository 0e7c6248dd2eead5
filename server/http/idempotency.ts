// Idempotency-Key: the first answer to a write is stored with the key and replayed to its retries.
//
// The key is claimed, the handler runs and its answer is stored in one database transaction, so a
// crash leaves either the change with its stored answer or neither (no lease to expire, nothing to
// recover). A retry's claim waits on the first one's uncommitted row (PostgreSQL's unique index
// waits for the inserting transaction) and then replays its answer; when the first is still running
// after IDEMPOTENCY_WAIT_MS the retry is a 409. On the embedded database transactions run one at a
// time, so a retry always finds the first one finished. Written by hand: the libraries for Express
// (express-idempotency and the like) keep the answer in a cache written after the response, which is
// exactly the window in which a crash loses it.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { Prisma, PrismaClient } from '../../generated/prisma/client.ts';
import { ApiError } from '../core/errors.ts';
import { idempotencyKeyReused, VALIDATION_MESSAGE } from '../core/messages.ts';
import { errorBody, toApiError } from './errors.ts';
import type { Tx } from '../platform/database/transaction.ts';
import { sendStatementsAsIn } from '../platform/database/sql.ts';
import { asSystem, currentOrganizationId } from '../platform/database/tenancy.ts';
import { claimIdempotencyKey, removeExpiredKeys } from './idempotency-store.ts';

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
/** Set on an answer replayed from the store. */
export const REPLAY_HEADER = 'Idempotent-Replayed';

/** An answer as it went to the client, and as it is stored. */
export interface Answer {
  status: number;
  /** The JSON text of the body, byte for byte. */
  body: string;
  headers: Record<string, string>;
}

export interface IdempotentRequest {
  apiKeyId: number;
  key: string;
  method: string;
  /** The URL as sent (path and query). */
  url: string;
  body: unknown;
}

export interface IdempotencySettings {
  /** How long a key is remembered (IDEMPOTENCY_KEY_TTL_SECONDS). */
  ttlMs: number;
  /** How long a retry waits for the first request with its key before it is a 409. */
  waitMs: number;
}

/** JSON with every object's keys sorted: two bodies that differ only in field order are one request. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.keys(value).sort().map((name) => `${JSON.stringify(name)}:${canonicalJson((value as Record<string, unknown>)[name])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function requestFingerprint(request: Pick<IdempotentRequest, 'method' | 'url' | 'body'>): string {
  return createHash('sha256').update(`${request.method} ${request.url}\n${canonicalJson(request.body)}`).digest('hex');
}

export const STILL_RUNNING_MESSAGE = 'A request with this Idempotency-Key is still being processed: retry once it has completed.';

/** The idempotency layer's own refusals (409, 422): never stored as the key's answer. */
class KeyRefusal extends ApiError {}

function stillRunning(): ApiError {
  return new KeyRefusal(409, STILL_RUNNING_MESSAGE, undefined, { 'Retry-After': '1' });
}

/** PostgreSQL's lock_not_available: the claim waited for the first request longer than lock_timeout. */
function isLockTimeout(error: unknown): boolean {
  const e = error as { code?: string; meta?: { code?: string; driverAdapterError?: { cause?: { originalCode?: string } } } };
  return [e?.code, e?.meta?.code, e?.meta?.driverAdapterError?.cause?.originalCode].includes('55P03');
}

interface StoredRow { request: string; fingerprint: string; status: number | null; body: string | null; headers: Prisma.JsonValue }

/** The 422 for a key that comes back with another request, saying what differs. */
function reusedKey(stored: StoredRow, request: IdempotentRequest): ApiError {
  const now = `${request.method} ${new URL(request.url, 'http://x').pathname}`;
  return new KeyRefusal(422, VALIDATION_MESSAGE, { [IDEMPOTENCY_HEADER]: [idempotencyKeyReused(stored.request, now, stored.request === now)] });
}

function answerOf(row: StoredRow): Answer {
  return { status: row.status!, body: row.body!, headers: (row.headers ?? {}) as Record<string, string> };
}

export type Outcome = { replayed: boolean; answer: Answer };

/**
 * `tx` as the PrismaClient a handler expects: the handler's own `$transaction(fn)` runs `fn` in
 * `tx`, so that its change commits (or rolls back) with the stored answer.
 */
export function joiningTransaction(tx: Tx): PrismaClient {
  const join = (fn: (inner: Tx) => Promise<unknown>) => fn(tx);
  const joined = new Proxy(tx, { get: (target, name) => (name === '$transaction' ? join : Reflect.get(target, name)) });
  sendStatementsAsIn(joined, tx);
  return joined as unknown as PrismaClient;
}

export class IdempotencyStore {
  private readonly prisma: PrismaClient;
  private readonly settings: IdempotencySettings;

  constructor(prisma: PrismaClient, settings: IdempotencySettings) {
    this.prisma = prisma;
    this.settings = settings;
  }

  /**
   * Runs `change` at most once per key: in a transaction that first claims the key and, after the
   * change, stores its answer. A handler's refusal (4xx) is stored too, after its rollback; a server
   * failure (5xx) is not, so a retry runs the request again.
   */
  async run(request: IdempotentRequest, change: (tx: Tx) => Promise<Answer>): Promise<Outcome> {
    const fingerprint = requestFingerprint(request);
    const described = `${request.method} ${new URL(request.url, 'http://x').pathname}`;
    const id = { apiKeyId: request.apiKeyId, key: request.key };
    try {
      return await this.prisma.$transaction(async (tx) => {
        const stored = await this.claim(tx, request, described, fingerprint);
        if (stored) {
          if (stored.fingerprint !== fingerprint) throw reusedKey(stored, request);
          return { replayed: true, answer: answerOf(stored) };
        }
        const answer = await change(tx);
        await tx.idempotencyKey.update({ where: { organizationId_apiKeyId_key: { organizationId: currentOrganizationId(), ...id } }, data: { status: answer.status, body: answer.body, headers: answer.headers } });
        return { replayed: false, answer };
      });
    } catch (error) {
      if (isLockTimeout(error)) throw stillRunning();
      const refusal = toApiError(error);
      if (refusal.status >= 500 || error instanceof KeyRefusal) throw error;
      // The change was rolled back with its claim: store the refusal on its own. A retry that took the
      // key meanwhile ran the request itself and stored its own answer, which is then kept.
      await this.prisma.idempotencyKey.createMany({
        data: [{
          ...id, request: described, fingerprint, status: refusal.status, body: JSON.stringify(errorBody(refusal)),
          headers: refusal.headers ?? {}, expiresAt: new Date(Date.now() + this.settings.ttlMs),
        }],
        skipDuplicates: true,
      });
      throw error;
    }
  }

  /**
   * Takes the key (or an expired one) for this transaction and returns undefined, or returns the row
   * stored by the request that took it first, once that request's transaction has ended.
   */
  private async claim(tx: Tx, request: IdempotentRequest, described: string, fingerprint: string): Promise<StoredRow | undefined> {
    const claimed = await claimIdempotencyKey(tx, {
      apiKeyId: request.apiKeyId, key: request.key, request: described, fingerprint, ttlMs: this.settings.ttlMs, waitMs: this.settings.waitMs,
    });
    if (claimed) return undefined;
    const stored = await tx.idempotencyKey.findFirst({
      where: { apiKeyId: request.apiKeyId, key: request.key },
      select: { request: true, fingerprint: true, status: true, body: true, headers: true },
    });
    // The conflicting row is committed (the INSERT waited for it) and not expired, so it is there.
    if (!stored || stored.status === null) throw stillRunning();
    return stored;
  }
}

/** Expired keys deleted per statement: small batches keep each one short (on PGlite, every request waits for it). */
const SWEEP_BATCH = 500;

/** Deletes expired keys, a batch at a time; returns how many. */
export function removeExpiredIdempotencyKeys(prisma: PrismaClient): Promise<number> {
  // Every organization's: as the system.
  return asSystem(async () => {
    let removed = 0;
    for (;;) {
      const count = await removeExpiredKeys(prisma, SWEEP_BATCH);
      removed += count;
      if (count < SWEEP_BATCH) return removed;
      // Let waiting requests run between batches.
      await new Promise((resolve) => setImmediate(resolve));
    }
  });
}

/** Removes expired keys every `intervalMs` in the background, for as long as the process runs. */
export function sweepExpiredIdempotencyKeys(prisma: PrismaClient, intervalMs: number, logger: Logger): NodeJS.Timeout {
  const timer = setInterval(() => {
    removeExpiredIdempotencyKeys(prisma).then(
      (removed) => { if (removed > 0) logger.debug({ removed }, 'removed expired idempotency keys'); },
      (error: unknown) => logger.warn({ err: error }, 'could not remove expired idempotency keys; retrying at the next interval'),
    );
  }, intervalMs);
  return timer.unref();
}
