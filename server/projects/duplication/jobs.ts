// Background duplication: a clone too large for its request (more than DUPLICATION_SYNC_LIMIT rows)
// is a row of project_duplications and a pg-boss job, queued in the request's transaction. The job
// copies in chunks, one transaction each; every chunk commits its rows together with the advance of
// the row's cursor and count, so a job that runs again (a retry, an instance restarted or killed,
// two instances at once) goes on from the last commit and never makes a second project.
import type { Logger } from 'pino';
import type { Prisma, PrismaClient, ProjectDuplication } from '../../../generated/prisma/client.ts';
import { CLONE_START, copyChildren, createClonedProject, planClone, type CloneBody, type ClonePlan, type CloneCursor } from './clone.ts';
import type { Config } from '../../platform/config.ts';
import { ApiError, FieldErrorCollector } from '../../core/errors.ts';
import { DUPLICATION_COPY_DELETED_MESSAGE, DUPLICATION_SOURCE_GONE_MESSAGE, duplicationImpossible, duplicationRetriesExhausted, JOBS_NOT_RUNNING_MESSAGE } from '../../core/messages.ts';
import { type Actor, insertEvent, newResourceEvent } from '../../platform/outbox.ts';
import { toProject } from '../mapping.ts';
import { findProjectView } from '../view.ts';
import { forgetTemplate, refreshDerivedProgress } from '../store.ts';
import { claimDuplication, forgetProjectInDuplications, lockDuplicationRow, shareLockSource } from './store.ts';
import type { JobQueue, QueueSettings } from '../../platform/job-queue.ts';
import type { Tx } from '../../platform/database/transaction.ts';
import { FIRST_ORGANIZATION_ID, inOrganization, rowKey } from '../../platform/database/tenancy.ts';

export const DUPLICATION_QUEUE = 'project-duplication';

export type DuplicationSettings = Pick<Config, 'duplicationChunkRows' | 'duplicationMaxAttempts' | 'projectNumberFormat'>;

/**
 * pg-boss retries a run that threw (after a database error, say) and one whose instance died (once
 * expireInSeconds has passed); the row counts the runs and stops at duplicationMaxAttempts.
 */
export function duplicationQueue(settings: DuplicationSettings): Record<string, QueueSettings> {
  return {
    [DUPLICATION_QUEUE]: {
      retryLimit: settings.duplicationMaxAttempts,
      retryDelay: 2,
      retryBackoff: true,
      retryDelayMax: 60,
      expireInSeconds: 15 * 60,
    },
  };
}

const jobsNotRunning = () => new ApiError(503, JOBS_NOT_RUNNING_MESSAGE, undefined, { 'Retry-After': '1' });

/** Records a background clone and queues its job, in the request's transaction. */
export async function queueDuplication(tx: Tx, jobs: JobQueue | undefined, plan: ClonePlan, body: CloneBody, actor: Actor): Promise<ProjectDuplication> {
  // Not waited for: on PGlite the queue's start-up queries would wait for this very transaction.
  if (!jobs?.started) throw jobsNotRunning();
  const row = await tx.projectDuplication.create({
    data: { sourceProjectId: plan.sourceId, total: plan.total, options: body as Prisma.InputJsonValue, apiKeyId: actor.apiKeyId, userId: actor.userId },
  });
  const job: DuplicationJob = { organizationId: row.organizationId, duplicationId: row.id };
  await jobs.insertIn(tx, DUPLICATION_QUEUE, [job]);
  return row;
}

/** A queued duplication. Jobs queued before organizations existed name none: they are the first's. */
interface DuplicationJob { organizationId?: number; duplicationId: number }

/** A reason the copy cannot be made, whatever the number of runs: it is `failed` at once. */
class DuplicationFailure extends Error {
  override name = 'DuplicationFailure';
}

const isFinished = (row: { status: string }) => row.status === 'succeeded' || row.status === 'failed';

/** The duplication's row, locked for the rest of the transaction (other runs wait here). */
async function lockedDuplication(tx: Tx, id: number): Promise<ProjectDuplication | null> {
  await lockDuplicationRow(tx, id);
  return tx.projectDuplication.findFirst({ where: { id: id } });
}

/** One step of the copy, in one transaction: the new project, or one chunk, or the finish. True when done. */
async function step(tx: Tx, id: number, settings: DuplicationSettings): Promise<boolean> {
  const row = await lockedDuplication(tx, id);
  if (!row || isFinished(row)) return true;
  const sourceId = row.sourceProjectId;
  if (sourceId === null || !(await shareLockSource(tx, sourceId))) throw new DuplicationFailure(DUPLICATION_SOURCE_GONE_MESSAGE);
  const errors = new FieldErrorCollector();
  const plan = await planClone(tx, sourceId, row.options as CloneBody, errors);
  if (!errors.isEmpty) {
    throw new DuplicationFailure(duplicationImpossible(errors.messages()));
  }
  if (row.cursor === null) {
    const projectId = await createClonedProject(tx, plan, settings.projectNumberFormat, row.userId);
    await tx.projectDuplication.update({ where: rowKey(id), data: { projectId, cursor: { ...CLONE_START } } });
    return false;
  }
  if (row.projectId === null) throw new DuplicationFailure(DUPLICATION_COPY_DELETED_MESSAGE);
  const chunk = await copyChildren(tx, plan, row.projectId, row.cursor as unknown as CloneCursor, settings.duplicationChunkRows);
  const copied = row.copied + chunk.copied;
  if (!chunk.done) {
    await tx.projectDuplication.update({ where: rowKey(id), data: { copied, cursor: { ...chunk.cursor } } });
    return false;
  }
  await refreshDerivedProgress(tx, row.projectId, row.userId);
  // The `project.cloned` event, written in the copy's last transaction, as by the request that queued it.
  await insertEvent(tx, 'project.cloned', { apiKeyId: row.apiKeyId, userId: row.userId }, newResourceEvent(row.projectId, toProject((await findProjectView(tx, row.projectId))!)));
  await tx.projectDuplication.update({ where: rowKey(id), data: { copied, cursor: { ...chunk.cursor }, status: 'succeeded', finishedAt: new Date() } });
  return true;
}

/** Ends a duplication as `failed` with its reason; whatever it had copied is deleted with its project. */
async function fail(prisma: PrismaClient, id: number, reason: string): Promise<void> {
  await prisma.$transaction(async (tx) => {
    const row = await lockedDuplication(tx, id);
    if (!row || isFinished(row)) return;
    await tx.projectDuplication.update({ where: rowKey(id), data: { status: 'failed', error: reason, projectId: null, finishedAt: new Date() } });
    if (row.projectId !== null) {
      await forgetProjectInDuplications(tx, row.projectId);
      await forgetTemplate(tx, row.projectId);
      await tx.project.deleteMany({ where: { id: row.projectId } });
    }
  });
}

/**
 * Runs a duplication to its end (or its next retry). Safe to run more than once, also at the same
 * time: each step locks the row and goes on from what the last committed step recorded.
 * `maxSteps` (tests) stops after that many steps, as an instance killed there would.
 */
export async function runDuplication(prisma: PrismaClient, id: number, settings: DuplicationSettings, maxSteps = Number.POSITIVE_INFINITY): Promise<void> {
  const claimed = await claimDuplication(prisma, id);
  if (!claimed) return;
  try {
    for (let steps = 1; !(await prisma.$transaction((tx) => step(tx, id, settings))) && steps < maxSteps; steps += 1) { /* next step */ }
  } catch (error) {
    if (error instanceof DuplicationFailure) return fail(prisma, id, error.message);
    if (claimed.attempts >= settings.duplicationMaxAttempts) {
      const message = error instanceof Error ? error.message.trim().split('\n').at(-1) : String(error);
      return fail(prisma, id, duplicationRetriesExhausted(claimed.attempts, message ?? ''));
    }
    throw error;
  }
}

export interface DuplicationWorker { stop(): Promise<void> }

/** Runs queued duplications in this instance, one at a time. */
export async function startDuplicationWorker(prisma: PrismaClient, jobs: JobQueue, settings: DuplicationSettings, logger: Logger): Promise<DuplicationWorker> {
  await jobs.boss.work<DuplicationJob>(DUPLICATION_QUEUE, { pollingIntervalSeconds: 0.5, batchSize: 1, localConcurrency: 1 }, async ([job]) => {
    const { organizationId = FIRST_ORGANIZATION_ID, duplicationId } = job!.data;
    try {
      await inOrganization(organizationId, () => runDuplication(prisma, duplicationId, settings));
    } catch (error) {
      logger.warn({ err: error, organizationId, duplicationId }, 'a background clone failed; it is retried');
      throw error;
    }
  });
  return { stop: () => jobs.boss.offWork(DUPLICATION_QUEUE) };
}
