// A clone answered as the Grow page says (201 with the new project) even when it is copied in the
// background: a request without `Prefer: respond-async` (RFC 7240) waits, after its transaction has
// committed, for the copy it queued, up to DUPLICATION_WAIT_MS.
import { setTimeout as sleep } from 'node:timers/promises';
import type { PrismaClient } from '../../../generated/prisma/client.ts';
import { ApiError } from '../../core/errors.ts';
import { entityTag } from '../../core/entity-tags.ts';
import { cloneNotCompleted, cloneStillCopying } from '../../core/messages.ts';
import { toProject } from '../mapping.ts';
import { findProjectView } from '../view.ts';

/** How often the wait looks at the duplication's row (each look is one small read). */
const POLL_MS = 100;

/** True when a Prefer header (RFC 7240: preferences separated by commas, names case-insensitive) asks for respond-async. */
export function prefersRespondAsync(prefer: string | undefined): boolean {
  return (prefer ?? '').split(',').some((preference) => preference.split(';')[0]!.trim().toLowerCase() === 'respond-async');
}

/**
 * The new project of duplication `id`, once its copy has succeeded. A copy that failed is a 409 with
 * its reason; one still running after `waitMs` is a 503 that names its operation (it goes on) and the
 * Prefer header.
 */
export async function awaitDuplication(prisma: PrismaClient, id: number, waitMs: number) {
  const deadline = Date.now() + waitMs;
  const location = `/api/project-duplications/${id}`;
  for (;;) {
    const row = await prisma.projectDuplication.findFirstOrThrow({ where: { id: id }, select: { status: true, projectId: true, error: true } });
    if (row.status === 'succeeded' && row.projectId !== null) {
      const project = await findProjectView(prisma, row.projectId);
      // Deleted as soon as it was made: what a 201 would have named is gone.
      if (!project) throw new ApiError(409, cloneNotCompleted('the new project was deleted.'));
      return { data: toProject(project), etag: entityTag(project.version) };
    }
    if (row.status === 'failed') throw new ApiError(409, cloneNotCompleted(row.error ?? ''));
    if (Date.now() >= deadline) throw new ApiError(503, cloneStillCopying(Math.round(waitMs / 1000), location), undefined, { Location: location });
    await sleep(POLL_MS);
  }
}
