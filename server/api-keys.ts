// API keys: shown once at creation, stored only as SHA-256 hashes, compared in constant time.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { PrismaClient } from '../generated/prisma/client.ts';

const KEY_PREFIX = 'gcp_';
/** `last_used_at` is written at most this often per key, so that reads do not each cost a write. */
const LAST_USED_RESOLUTION_MS = 60_000;

function hashKey(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}

export async function createApiKey(prisma: PrismaClient, name: string): Promise<{ id: number; key: string }> {
  const key = KEY_PREFIX + randomBytes(32).toString('base64url');
  const row = await prisma.apiKey.create({
    data: { name, prefix: key.slice(0, KEY_PREFIX.length + 6), hash: hashKey(key).toString('hex') },
  });
  return { id: row.id, key };
}

export async function listApiKeys(prisma: PrismaClient) {
  return prisma.apiKey.findMany({
    orderBy: { id: 'asc' },
    select: { id: true, name: true, prefix: true, createdAt: true, lastUsedAt: true, revokedAt: true },
  });
}

/** Revokes by id; returns false when no active key has that id. */
export async function revokeApiKey(prisma: PrismaClient, id: number): Promise<boolean> {
  const { count } = await prisma.apiKey.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } });
  return count === 1;
}

export async function countActiveApiKeys(prisma: PrismaClient): Promise<number> {
  return prisma.apiKey.count({ where: { revokedAt: null } });
}

/** True when `key` is an active key; records its use. */
export async function verifyApiKey(prisma: PrismaClient, key: string): Promise<boolean> {
  if (!key.startsWith(KEY_PREFIX) || key.length > 200) return false;
  const digest = hashKey(key);
  const row = await prisma.apiKey.findUnique({ where: { hash: digest.toString('hex') } });
  if (!row || row.revokedAt) return false;
  // The lookup already matched on the hash; this comparison keeps the decision itself constant-time.
  if (!timingSafeEqual(Buffer.from(row.hash, 'hex'), digest)) return false;
  const now = Date.now();
  if (!row.lastUsedAt || now - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    await prisma.apiKey.update({ where: { id: row.id }, data: { lastUsedAt: new Date(now) } });
  }
  return true;
}
