// API keys: shown once at creation, stored only as SHA-256 hashes. Each belongs to an organization
// and acts as one of its team users, with a role and optional scopes (server/core/access.ts).
import { createHash, randomBytes } from 'node:crypto';
import type { PrismaClient } from '../../generated/prisma/client.ts';
import { type Caller, grantedScopes, type Role } from '../core/access.ts';
import type { Db } from '../platform/database/transaction.ts';
import { asSystem, FIRST_ORGANIZATION_ID } from '../platform/database/tenancy.ts';

const KEY_PREFIX = 'gcp_';
/** `last_used_at` is written at most this often per key, so that reads do not each cost a write. */
const LAST_USED_RESOLUTION_MS = 60_000;

function hashKey(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}

export interface ApiKeyGrant {
  organizationId: number;
  /** The team user the key acts as. */
  userId: number;
  name: string;
  role: Role;
  /** Narrower than the role when not empty. */
  scopes: string[];
}

/** The columns a key is shown with (never its hash). */
export const API_KEY_COLUMNS = {
  id: true, organizationId: true, name: true, prefix: true, role: true, scopes: true, userId: true, createdAt: true, lastUsedAt: true, revokedAt: true,
  user: { select: { id: true, firstName: true, lastName: true } },
} as const;

/** Makes a key; the secret is in the answer only (the database keeps its hash). */
export async function createApiKey(db: Db, grant: ApiKeyGrant) {
  const key = KEY_PREFIX + randomBytes(32).toString('base64url');
  const row = await db.apiKey.create({
    data: { ...grant, prefix: key.slice(0, KEY_PREFIX.length + 6), hash: hashKey(key).toString('hex') },
    select: API_KEY_COLUMNS,
  });
  return { ...row, key };
}

/** The keys of the organization the statement runs in (of every one, as the system, unless `organizationId` is given). */
export async function listApiKeys(db: Db, organizationId?: number) {
  return db.apiKey.findMany({ where: { organizationId }, orderBy: { id: 'asc' }, select: API_KEY_COLUMNS });
}

/** Revokes by id; returns false when no active key has that id. */
export async function revokeApiKey(db: Db, id: number): Promise<boolean> {
  const { count } = await db.apiKey.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } });
  return count === 1;
}

/**
 * A key with every right in `organizationId`, acting as its main administrator (its first admin):
 * what `npm run -s keys -- create <name>` makes.
 */
export function createAdministratorKey(prisma: PrismaClient, name: string, organizationId = FIRST_ORGANIZATION_ID) {
  return asSystem(async () => {
    const admin = await prisma.user.findFirst({ where: { organizationId, role: 'admin' }, orderBy: { id: 'asc' }, select: { id: true } });
    if (!admin) throw new Error(`Organization ${organizationId} has no administrator.`);
    return createApiKey(prisma, { organizationId, userId: admin.id, name, role: 'admin', scopes: [] });
  });
}

/** The active keys of every organization (run as the system). */
export function countActiveApiKeys(prisma: PrismaClient): Promise<number> {
  return asSystem(() => prisma.apiKey.count({ where: { revokedAt: null } }));
}

/** The shape of every key this server issues; anything else is refused without a lookup. */
const KEY_FORMAT = /^gcp_[A-Za-z0-9_-]{43}$/;
/** An unknown key reloads the active keys at most this often, however many unknown keys arrive. */
const MISS_RELOAD_INTERVAL_MS = 1000;

interface ActiveKey { caller: Caller; lastUsedAt: Date | null }

/**
 * Decides whether a bearer key is active, from an in-memory copy of the (few) active keys' hashes.
 * The copy is reloaded when it is older than `maxAgeMs` (so a key revoked by any process stops
 * working within that bound) and when an unknown key arrives (so a new key works at once), but an
 * unknown key triggers at most one reload per second: a flood of wrong keys costs the database one
 * small query a second instead of one per request.
 */
export class ApiKeyVerifier {
  private readonly prisma: PrismaClient;
  private readonly maxAgeMs: number;
  private active = new Map<string, ActiveKey>();
  /** When the query behind `active` started: a change committed before then is in it. */
  private loadedAt = Number.NEGATIVE_INFINITY;
  /** A copy whose query started at or before this instant may predate a change made here. */
  private changedAt = Number.NEGATIVE_INFINITY;
  private loading: Promise<void> | undefined;

  constructor(prisma: PrismaClient, options: { maxAgeMs: number }) {
    this.prisma = prisma;
    this.maxAgeMs = options.maxAgeMs;
  }

  /** Forget the copy: this process has just created or revoked a key. */
  invalidate(): void {
    this.changedAt = Date.now();
    this.loadedAt = Number.NEGATIVE_INFINITY;
  }

  /** Who sends the active key `key`, or undefined; records its use (at most once a minute per key). */
  async identify(key: string): Promise<Caller | undefined> {
    if (!KEY_FORMAT.test(key)) return undefined;
    const arrivedAt = Date.now();
    if (arrivedAt - this.loadedAt > this.maxAgeMs) await this.reloadSince(arrivedAt, 0);
    // The map is keyed by a SHA-256 digest: lookup timing says nothing about the key itself.
    const hash = hashKey(key).toString('hex');
    let found = this.active.get(hash);
    if (!found) {
      await this.reloadSince(arrivedAt, MISS_RELOAD_INTERVAL_MS);
      found = this.active.get(hash);
      if (!found) return undefined;
    }
    if (!found.lastUsedAt || arrivedAt - found.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
      found.lastUsedAt = new Date(arrivedAt);
      const { organizationId, apiKeyId } = found.caller;
      await asSystem(() => this.prisma.apiKey.updateMany({ where: { organizationId, id: apiKeyId }, data: { lastUsedAt: found.lastUsedAt } }));
    }
    return found.caller;
  }

  /**
   * Waits for a reload whose query started at or after `since`. Reloads run one at a time and at
   * least `spacingMs` apart; requests that arrive meanwhile share the next one.
   */
  private async reloadSince(since: number, spacingMs: number): Promise<void> {
    while (this.loadedAt < since) {
      this.loading ??= (async () => {
        const wait = this.loadedAt + spacingMs - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        const startedAt = Date.now();
        // Every organization's keys: a key says which organization it belongs to.
        const rows = await asSystem(() => this.prisma.apiKey.findMany({
          where: { revokedAt: null },
          select: { id: true, organizationId: true, userId: true, role: true, scopes: true, hash: true, lastUsedAt: true },
        }));
        this.active = new Map(rows.map((row) => [row.hash, {
          caller: {
            organizationId: row.organizationId, apiKeyId: row.id, userId: row.userId, role: row.role,
            listedScopes: row.scopes, scopes: grantedScopes(row.role, row.scopes),
          },
          lastUsedAt: row.lastUsedAt,
        }]));
        this.loadedAt = startedAt > this.changedAt ? startedAt : Number.NEGATIVE_INFINITY;
      })().finally(() => { this.loading = undefined; });
      await this.loading;
    }
  }
}
