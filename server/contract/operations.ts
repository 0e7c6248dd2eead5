// Handler signatures derived from the generated contract types: a handler's input is what the
// validator let through, and its reply must be the operation's success body, checked by tsc.
import type { operations } from '../../generated/api-types.ts';
import type { PrismaClient } from '../../generated/prisma/client.ts';
import type { Caller } from '../core/access.ts';
import type { VersionCondition } from '../core/entity-tags.ts';
import type { FieldErrorCollector } from '../core/errors.ts';
import type { JobQueue } from '../platform/job-queue.ts';
import type { Db } from '../platform/database/transaction.ts';
import type { ProjectNumberFormat } from '../core/project-number-format.ts';
import type { WebhookSettings } from '../platform/config.ts';

export type OperationId = keyof operations;

type JsonBodyOf<Op> = Op extends { requestBody: { content: { 'application/json': infer B } } }
  ? B
  : Op extends { requestBody?: { content: { 'application/json': infer B } } } ? B : undefined;

/** A success answer that the spec gives an ETag must carry one (server/core/entity-tags.ts); others carry none. */
type EntityTagOf<Response> = Response extends { headers: { ETag: string } } ? { etag: string } : { etag?: never };

/** A 202 that the spec gives a Location (the operation to poll) must carry one. */
type LocationOf<Response> = Response extends { headers: { Location: string } } ? { location: string } : { location?: never };

type SuccessOf<Op> = Op extends { responses: infer R }
  ? {
    [S in keyof R & (200 | 201 | 202)]: R[S] extends { content: { 'application/json': infer C } } ? { status: S; body: C } & EntityTagOf<R[S]> & LocationOf<R[S]> : never
  }[keyof R & (200 | 201 | 202)]
  : never;

export interface HandlerInput<K extends OperationId> {
  prisma: PrismaClient;
  path: operations[K]['parameters']['path'] extends infer P ? (P extends undefined | never ? Record<string, never> : P) : never;
  query: NonNullable<operations[K]['parameters']['query']>;
  body: JsonBodyOf<operations[K]>;
  /** The If-Match precondition, on the operations that declare it; undefined without one. */
  ifMatch: VersionCondition | undefined;
  /** What the webhook operations need besides the database. */
  webhooks: { settings: WebhookSettings; jobs: JobQueue | undefined };
  /** How new projects (created or cloned) are numbered. */
  projectNumberFormat: ProjectNumberFormat;
  /** What a clone needs to decide, and queue, a background copy (server/projects/duplication/jobs.ts). */
  duplications: { syncLimit: number; jobs: JobQueue | undefined };
  /** Who sent the request: the API key, the team user it acts as, its organization and rights. */
  caller: Caller;
  /** Tells the API-key cache of this instance that a key was created or revoked. */
  keysChanged: () => void;
}

export type Reply<K extends OperationId> = SuccessOf<operations[K]>;

export type Handler<K extends OperationId> = (input: HandlerInput<K>) => Promise<Reply<K>>;

/** Every operation of the contract must have exactly one handler: a missing key fails tsc. */
export type HandlerRegistry = { [K in OperationId]: Handler<K> };

/**
 * An operation's rules on its body beyond the schema (rows it refers to must exist, dates in order).
 * Any field may be absent: after a schema failure only the fields that passed are given.
 */
export type BodyCheck<K extends OperationId> = (
  db: Db,
  input: { path: Partial<HandlerInput<K>['path']>; body: Partial<NonNullable<HandlerInput<K>['body']>> },
  errors: FieldErrorCollector,
  // A check may return what it looked up on the way (createProject: the default creator).
) => Promise<unknown>;

export type BodyCheckRegistry = { [K in OperationId]?: BodyCheck<K> };
