// The Express application: request → validator → handler → Prisma → mapper → response.
import cors from 'cors';
import express, { type NextFunction, type Request, type Response } from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import './validator-route-cache.ts';
import './validator-spec-check.ts';
import helmet from 'helmet';
import type { Logger } from 'pino';
import type { ApiKeyVerifier } from '../api-keys/store.ts';
import type { Caller } from '../core/access.ts';
import { requireScopes } from './access.ts';
import { inOrganization } from '../platform/database/tenancy.ts';
import { bodyParsers } from './body.ts';
import type { Config, WebhookSettings } from '../platform/config.ts';
import type { Database } from '../platform/database/connection.ts';
import { assetHandler } from './compressed-asset.ts';
import { docsPage } from './docs-page.ts';
import { ApiError, serverBusy } from '../core/errors.ts';
import { NOT_FOUND_MESSAGE, UNAUTHORIZED_MESSAGE } from '../core/messages.ts';
import { parseIfMatch, stillCurrent } from '../core/entity-tags.ts';
import { formBodyDecoder } from './form-body.ts';
import type { RateLimits, RateLimitSettings } from './rate-limits.ts';
import { IDEMPOTENCY_HEADER, IdempotencyStore, joiningTransaction, REPLAY_HEADER, type Answer } from './idempotency.ts';
import { refuseMalformedText } from './text-guard.ts';
import { handlers } from './operations.ts';
import type { Handler, HandlerInput, OperationId } from '../contract/operations.ts';
import { requestLogging } from '../platform/logging.ts';
import { isWriteOperation, recordsEvents, runRecorded } from './recording.ts';
import type { JobQueue } from '../platform/job-queue.ts';
import type { Metrics } from './metrics.ts';
import type { Tracing } from '../platform/tracing.ts';
import { listOperations, loadSpec, requestSpec, specCheckedByBuild, specJson, specYaml } from '../contract/spec.ts';
import { completeValidation } from './validation.ts';
import { readListOperands } from '../projects/list-query.ts';
import { within } from '../core/time-limit.ts';
import { errorHandler } from './errors.ts';
import { PREFERENCE_APPLIED_HEADER, settleClone } from './clone-answer.ts';
import type { Tx } from '../platform/database/transaction.ts';
import type { AppState } from '../platform/lifecycle.ts';

export interface AppOptions {
  db: Database;
  config: Pick<Config, 'bodyLimitBytes' | 'validateResponses' | 'apiKeyCacheMs' | 'corsOrigins' | 'databaseQueueLimit' | 'idempotencyKeyTtlMs' | 'idempotencyWaitMs' | 'trustProxy' | 'projectNumberFormat' | 'duplicationSyncLimit' | 'duplicationWaitMs'> & WebhookSettings & RateLimitSettings;
  logger: Logger;
  state?: AppState;
  /** Prometheus metrics (METRICS_ENABLED): served at /metrics, observed on every request. */
  metrics?: Metrics;
  /** OpenTelemetry tracing (OTEL_EXPORTER_OTLP_ENDPOINT): a server span per request. */
  tracing?: Pick<Tracing, 'requestSpans'>;
  apiKeys: ApiKeyVerifier;
  rateLimits: RateLimits;
  /** The background job queue, for the operations that queue work (redelivering a webhook, a large clone). */
  jobs?: JobQueue;
  /** Called after each change whose event a webhook subscription receives has committed. */
  afterChange?: () => void;
}

/** What the app keeps about a request in `res.locals`. */
interface RequestLocals { caller?: Caller }

/** Notes who sends the request, by its active key, if any: the rate limit counts by the key. */
function identifyApiKey(apiKeys: ApiKeyVerifier) {
  return async (req: Request, res: Response<unknown, RequestLocals>, next: NextFunction): Promise<void> => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '');
    res.locals.caller = match ? await apiKeys.identify(match[1]!) : undefined;
    next();
  };
}

function requireApiKey(_req: Request, res: Response<unknown, RequestLocals>, next: NextFunction): void {
  if (res.locals.caller === undefined) throw new ApiError(401, UNAUTHORIZED_MESSAGE);
  next();
}

/**
 * Sheds load before it queues for the database: at most `limit` API requests are in progress, and
 * any more are refused at once with 503 and Retry-After. A counter rather than a library: p-limit
 * or p-queue would hold the requests in a second, in-process queue; the only need is to refuse,
 * synchronously and exactly, once the database's connections and wait queue are taken.
 */
function admitWithin(limit: number) {
  let inProgress = 0;
  return (_req: Request, res: Response, next: NextFunction): void => {
    if (inProgress >= limit) throw serverBusy();
    inProgress += 1;
    res.once('close', () => { inProgress -= 1; });
    next();
  };
}

/**
 * The parameter that jQuery's `cache: false` and other clients append to a GET (`_=<timestamp>`) to
 * defeat caches. No answer of this API is cached (no-store), so it is ignored rather than refused.
 */
const CACHE_BUSTER = '_';

/** A request that sends no body at all is read as an empty JSON object, so a client learns which fields are required. */
function emptyBodyAsJson(req: Request, _res: Response, next: NextFunction): void {
  const hasBody = req.get('transfer-encoding') !== undefined || Number(req.get('content-length') ?? 0) > 0;
  if (!hasBody && !req.get('content-type') && ['POST', 'PUT', 'PATCH'].includes(req.method)) {
    req.headers['content-type'] = 'application/json';
    req.body = {};
  }
  next();
}

function send(res: Response, answer: Answer): void {
  res.status(answer.status).set(answer.headers).type('application/json').send(answer.body);
}

/** What every route shares besides its handler. */
interface RouteContext {
  db: Database;
  idempotency: IdempotencyStore;
  webhooks: HandlerInput<OperationId>['webhooks'];
  projectNumberFormat: HandlerInput<OperationId>['projectNumberFormat'];
  duplications: HandlerInput<OperationId>['duplications'];
  /** Called after a change whose event a webhook subscription receives has committed (the webhook relay's nudge). */
  afterChange: () => void;
  /** How long a clone without Prefer: respond-async waits for its background copy (server/http/clone-answer.ts). */
  cloneWaitMs: number;
  keysChanged: HandlerInput<OperationId>['keysChanged'];
}

/** How long a request that may queue a job waits for a job queue that is still starting. */
const JOB_QUEUE_START_WAIT_MS = 5000;

/** Resolves once the queue has started, failed to start, or JOB_QUEUE_START_WAIT_MS have passed. */
async function jobQueueStarted(jobs: JobQueue | undefined): Promise<void> {
  if (!jobs || jobs.started) return;
  await within(jobs.ready.catch(() => {}), JOB_QUEUE_START_WAIT_MS, undefined);
}

/**
 * Adapts a handler to Express. A write that records an event runs in a transaction with it
 * (server/http/recording.ts); sent with an Idempotency-Key (on the operations that declare one), in the
 * idempotency store's transaction (the handler's own transaction joins it), where its answer is
 * stored too. Writes that record nothing (webhook settings, a ping) hold no transaction.
 */
function route<K extends OperationId>(context: RouteContext, operationId: K, handler: Handler<K>, acceptsIdempotencyKey: boolean) {
  const { db, idempotency, webhooks, projectNumberFormat, duplications, afterChange, cloneWaitMs, keysChanged } = context;
  const isWrite = isWriteOperation(operationId);
  const recordsEvent = recordsEvents(operationId);
  // A clone may queue a job in its transaction, which needs the queue started; on PGlite the queue's
  // start-up could not run beside that transaction, so right after start a clone waits for it here.
  // Its 202 is then settled (server/http/clone-answer.ts).
  const waitsForJobQueue = operationId === 'cloneProject';
  // The handler, and everything it starts, runs in the caller's organization
  // (server/platform/database/tenancy.ts): every statement sees that organization's rows only.
  return (req: Request, res: Response<unknown, RequestLocals>): Promise<void> => inOrganization(res.locals.caller!.organizationId, async () => {
    if (waitsForJobQueue) await jobQueueStarted(duplications.jobs);
    // Every path parameter of this contract is an id, which completeValidation has checked (canonical decimal, in range).
    const path = Object.fromEntries(Object.entries(req.params).map(([name, raw]) => [name, Number(raw)]));
    // The validator has already checked query, headers and body against this operation's schemas.
    const caller = res.locals.caller!;
    const input = {
      prisma: db.prisma, path, query: req.query, body: req.body ?? {}, ifMatch: isWrite ? parseIfMatch(req.get('if-match')) : undefined, webhooks, projectNumberFormat, duplications, caller, keysChanged,
    } as unknown as HandlerInput<K>;
    const recorded = (tx: Tx) => runRecorded(operationId, handler, { ...input, prisma: joiningTransaction(tx) }, tx, caller);
    const key = acceptsIdempotencyKey ? req.get(IDEMPOTENCY_HEADER) : undefined;
    if (key === undefined) {
      const { reply: recordedReply, subscribed } = recordsEvent ? await db.prisma.$transaction(recorded) : { reply: await handler(input), subscribed: false };
      if (subscribed) afterChange();
      const settled = waitsForJobQueue ? await settleClone(db.prisma, cloneWaitMs, req, res, recordedReply.status, recordedReply.location) : undefined;
      const reply: { status: number; body: unknown; etag?: string; location?: string } = settled ?? recordedReply;
      if (reply.etag) res.setHeader('ETag', reply.etag);
      if (reply.location) res.setHeader('Location', reply.location);
      if (reply.etag && !isWrite && stillCurrent(req.get('if-none-match'), reply.etag)) res.status(304).end();
      else res.status(reply.status).json(reply.body);
      return;
    }
    const request = { apiKeyId: caller.apiKeyId, key, method: req.method, url: req.originalUrl, body: input.body };
    let subscribed = false;
    const { replayed, answer } = await idempotency.run(request, async (tx) => {
      const { reply, subscribed: eventSubscribed } = await recorded(tx);
      subscribed = eventSubscribed;
      const headers: Record<string, string> = reply.etag ? { ETag: reply.etag } : {};
      if (reply.location) headers.Location = reply.location;
      return { status: reply.status, body: JSON.stringify(reply.body), headers };
    });
    if (subscribed && !replayed) afterChange();
    if (replayed) res.setHeader(REPLAY_HEADER, 'true');
    const settled = waitsForJobQueue ? await settleClone(db.prisma, cloneWaitMs, req, res, answer.status, answer.headers.Location) : undefined;
    send(res, settled ? { status: settled.status, body: JSON.stringify(settled.body), headers: { ETag: settled.etag } } : answer);
  });
}

export function createApp({
  db, config, logger, state = { shuttingDown: false }, metrics, tracing, apiKeys, rateLimits, jobs, afterChange,
}: AppOptions): express.Express {
  const doc = loadSpec();
  const idempotency = new IdempotencyStore(db.prisma, { ttlMs: config.idempotencyKeyTtlMs, waitMs: config.idempotencyWaitMs });
  const app = express();
  app.disable('x-powered-by');
  // No ETag hashed from the body: project answers carry their row version's (server/core/entity-tags.ts).
  app.set('etag', false);
  app.set('trust proxy', config.trustProxy);
  // Bracket arrays in query strings (`tags[]=a`) need the extended parser on Express 5.
  app.set('query parser', 'extended');
  const parseQuery = app.get('query parser fn') as (text: string) => Record<string, unknown>;
  app.set('query parser', (text: string) => {
    const query = parseQuery(text);
    delete query[CACHE_BUSTER];
    readListOperands(query);
    return query;
  });
  if (metrics) app.use(metrics.observe);
  app.use(requestLogging(logger));
  if (tracing) app.use(tracing.requestSpans);
  // helmet's headers (nosniff, no framing, …); API answers are JSON, which may load or run nothing.
  // /docs sets its own policy.
  app.use(helmet({ contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } } }));
  if (config.corsOrigins.length > 0) {
    // Before the key check: a browser's preflight carries no key.
    app.use(cors({
      origin: config.corsOrigins,
      methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['Authorization', 'Content-Type', 'X-Request-Id', 'Idempotency-Key', 'If-Match', 'If-None-Match', 'Prefer'],
      exposedHeaders: ['X-Request-Id', 'ETag', 'Idempotent-Replayed', 'Retry-After', 'RateLimit', 'RateLimit-Policy', 'Location', PREFERENCE_APPLIED_HEADER],
      maxAge: 600,
    }));
  }
  app.use('/api', admitWithin(db.capacity + config.databaseQueueLimit));

  if (metrics) app.get('/metrics', metrics.endpoint);
  app.get('/healthz', (_req, res) => { res.json({ status: 'ok' }); });
  app.get('/readyz', async (_req, res) => {
    if (state.shuttingDown) {
      res.status(503).json({ status: 'shutting down' });
      return;
    }
    if (await db.ping()) res.json({ status: 'ready', database: db.kind });
    else res.status(503).json({ status: 'database unavailable' });
  });
  app.get('/openapi.yaml', assetHandler(specYaml, 'application/yaml; charset=utf-8'));
  app.get('/openapi.json', assetHandler(specJson, 'application/json; charset=utf-8'));
  app.get('/docs', docsPage());
  // A browser pointed at the server's address finds the documentation.
  app.get('/', (_req, res) => { res.redirect(302, '/docs'); });

  // API answers carry the account's data: no cache, shared or private, may keep them.
  app.use('/api', (_req, res, next) => { res.setHeader('Cache-Control', 'no-store'); next(); });
  // The key first: a client without one learns nothing about how its body would be read. The rate
  // limit counts by key, or by address for requests without a valid key (bounding key guessing).
  app.use('/api', identifyApiKey(apiKeys), rateLimits.middleware, requireApiKey, requireScopes(doc));
  app.use(bodyParsers(config.bodyLimitBytes));
  app.use(emptyBodyAsJson);
  app.use(refuseMalformedText);
  app.use(formBodyDecoder(doc));
  app.use(
    OpenApiValidator.middleware({
      apiSpec: (config.validateResponses ? loadSpec() : requestSpec()) as never,
      // The build checked this document against the OpenAPI schema; a YAML newer than the build is checked here.
      validateApiSpec: !specCheckedByBuild,
      validateRequests: { allowUnknownQueryParameters: false, allErrors: true },
      validateResponses: config.validateResponses,
      validateSecurity: false,
      // `full` rejects impossible calendar dates such as 2026-02-30.
      validateFormats: true,
      ajvFormats: { mode: 'full' },
    }),
  );
  app.use(completeValidation(doc, db));

  const routeContext: RouteContext = {
    db, idempotency, webhooks: { settings: config, jobs }, projectNumberFormat: config.projectNumberFormat,
    duplications: { syncLimit: config.duplicationSyncLimit, jobs }, afterChange: afterChange ?? (() => {}), cloneWaitMs: config.duplicationWaitMs,
    keysChanged: () => apiKeys.invalidate(),
  };
  for (const { method, expressPath, operation } of listOperations(doc)) {
    const operationId = operation.operationId as OperationId;
    const handler = handlers[operationId];
    if (!handler) throw new Error(`No handler for operation ${operationId}`);
    // server/http/recording.ts lists the writes; the methods must agree, or a change would go unrecorded.
    if ((method !== 'get') !== isWriteOperation(operationId)) throw new Error(`${operationId}: ${method} disagrees with server/http/recording.ts`);
    const acceptsIdempotencyKey = (operation.parameters ?? []).some((p) => '$ref' in p && p.$ref === '#/components/parameters/IdempotencyKey');
    app[method](expressPath, route(routeContext, operationId, handler as Handler<OperationId>, acceptsIdempotencyKey));
  }

  app.use((_req, _res, next) => next(new ApiError(404, NOT_FOUND_MESSAGE)));
  app.use(errorHandler(logger));
  return app;
}
