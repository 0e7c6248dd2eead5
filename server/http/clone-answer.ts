// How a clone that is copied in the background is answered (the copy: server/projects/duplication/).
// Grow's page promises the new project (201), so that is the default: the request waits for the copy.
// A client that can poll asks for the operation instead, with `Prefer: respond-async` (RFC 7240).
import type { Request, Response } from 'express';
import type { PrismaClient } from '../../generated/prisma/client.ts';
import { awaitDuplication, prefersRespondAsync } from '../projects/duplication/wait.ts';

export const PREFERENCE_APPLIED_HEADER = 'Preference-Applied';

/**
 * A clone's answer once its transaction has committed. A 202 (a background copy) is sent as it is,
 * with `Preference-Applied: respond-async`, to a client that asked for it; to any other, the copy is
 * waited for and the answer is the new project (201), or the error awaitDuplication gives. Undefined
 * when the answer stands as it is.
 */
export async function settleClone(prisma: PrismaClient, waitMs: number, req: Request, res: Response, status: number, location: string | undefined) {
  if (status !== 202 || location === undefined) return undefined;
  if (prefersRespondAsync(req.get('prefer'))) {
    res.setHeader(PREFERENCE_APPLIED_HEADER, 'respond-async');
    return undefined;
  }
  const { data, etag } = await awaitDuplication(prisma, Number(location.split('/').at(-1)), waitMs);
  return { status: 201 as const, body: { data, message: 'Project cloned successfully.' as const }, etag };
}
