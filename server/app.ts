// The Express application: request → validator → handler → Prisma → mapper → response.
import { existsSync } from 'node:fs';
import express, { type NextFunction, type Request, type Response } from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import type { Logger } from 'pino';
import { verifyApiKey } from './api-keys.ts';
import type { Config } from './config.ts';
import type { Database } from './database/connection.ts';
import { ApiError, errorHandler, FieldErrorCollector, serverBusy, UNAUTHORIZED_MESSAGE } from './errors.ts';
import { formBodyDecoder } from './form-body.ts';
import { refuseMalformedText } from './text-guard.ts';
import { handlers } from './handlers/index.ts';
import type { Handler, HandlerInput, OperationId } from './handlers/types.ts';
import { requestLogging } from './logging.ts';
import { listOperations, loadSpec, specYaml } from './spec.ts';

const docsPath = new URL('../dist/docs/index.html', import.meta.url).pathname;

export interface AppState { shuttingDown: boolean }

export interface AppOptions {
  db: Database;
  config: Pick<Config, 'bodyLimitBytes' | 'validateResponses' | 'databaseQueueLimit'>;
  logger: Logger;
  state?: AppState;
}

function requireApiKey(db: Database) {
  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '');
    if (!match || !(await verifyApiKey(db.prisma, match[1]!))) throw new ApiError(401, UNAUTHORIZED_MESSAGE);
    next();
  };
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

/** How long /readyz waits for the database before it answers 503. */
const READY_TIMEOUT_MS = 1000;

/** True when the database answers `SELECT 1` within READY_TIMEOUT_MS. */
async function databaseAnswers(db: Database): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), READY_TIMEOUT_MS); });
  const query = db.prisma.$queryRaw`SELECT 1`.then(() => true, () => false);
  try {
    return await Promise.race([query, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A request that sends no body at all is read as an empty JSON object, so a client learns which fields are required. */
function emptyBodyAsJson(req: Request, _res: Response, next: NextFunction): void {
  const hasBody = req.get('transfer-encoding') !== undefined || Number(req.get('content-length') ?? 0) > 0;
  if (!hasBody && !req.get('content-type') && ['POST', 'PUT', 'PATCH'].includes(req.method)) {
    req.headers['content-type'] = 'application/json';
    req.body = {};
  }
  next();
}

/**
 * Every path parameter of this contract is an integer id. The validator has checked its range, but
 * it also accepts what JavaScript reads as a number (`0x10`, `1e3`, `1.0`) and replaces req.params
 * with its coerced values: the raw segments are read from the path, and only digits are an id here.
 */
function pathIds(req: Request): Record<string, number> {
  const pattern = String(req.route?.path ?? '').split('/');
  const actual = req.path.split('/');
  const errors = new FieldErrorCollector();
  const ids: Record<string, number> = {};
  pattern.forEach((segment, index) => {
    if (!segment.startsWith(':')) return;
    const name = segment.slice(1);
    const raw = actual[index] ?? '';
    if (/^\d+$/.test(raw)) ids[name] = Number(raw);
    else errors.add(name, `The ${name} field must be an integer.`);
  });
  errors.throwIfAny();
  return ids;
}

/** Adapts a handler to Express. */
function route<K extends OperationId>(db: Database, handler: Handler<K>) {
  return async (req: Request, res: Response): Promise<void> => {
    const path = pathIds(req);
    // The validator has already checked query and body against this operation's schemas.
    const input = { prisma: db.prisma, path, query: req.query, body: req.body ?? {} } as unknown as HandlerInput<K>;
    const reply = await handler(input);
    res.status(reply.status).json(reply.body);
  };
}

export function createApp({ db, config, logger, state = { shuttingDown: false } }: AppOptions): express.Express {
  const doc = loadSpec();
  const app = express();
  app.disable('x-powered-by');
  // Bracket arrays in query strings (`tags[]=a`) need the extended parser on Express 5.
  app.set('query parser', 'extended');
  app.use(requestLogging(logger));
  app.use('/api', admitWithin(db.capacity + config.databaseQueueLimit));

  app.get('/healthz', (_req, res) => { res.json({ status: 'ok' }); });
  app.get('/readyz', async (_req, res) => {
    if (state.shuttingDown) {
      res.status(503).json({ status: 'shutting down' });
      return;
    }
    if (await databaseAnswers(db)) res.json({ status: 'ready', database: db.kind });
    else res.status(503).json({ status: 'database unavailable' });
  });
  app.get('/openapi.yaml', (_req, res) => { res.type('application/yaml').send(specYaml); });
  const specJson = JSON.stringify(loadSpec());
  app.get('/openapi.json', (_req, res) => { res.type('application/json').send(specJson); });
  app.get('/docs', (_req, res) => {
    if (existsSync(docsPath)) res.sendFile(docsPath);
    else res.status(503).json({ message: 'The documentation has not been built: run `npm run docs`.' });
  });

  app.use(express.json({ limit: config.bodyLimitBytes }));
  // `extended` parses `assigned[]=5` into arrays, as the documented curl examples send them.
  app.use(express.urlencoded({ extended: true, limit: config.bodyLimitBytes, parameterLimit: 1000 }));
  app.use('/api', requireApiKey(db));
  app.use(emptyBodyAsJson);
  app.use(refuseMalformedText);
  app.use(formBodyDecoder(doc));
  app.use(
    OpenApiValidator.middleware({
      apiSpec: doc as never,
      validateRequests: { allowUnknownQueryParameters: false, allErrors: true },
      validateResponses: config.validateResponses,
      validateSecurity: false,
      // `full` rejects impossible calendar dates such as 2026-02-30.
      validateFormats: true,
      ajvFormats: { mode: 'full' },
    }),
  );

  for (const { method, expressPath, operation } of listOperations(doc)) {
    const handler = handlers[operation.operationId as OperationId];
    if (!handler) throw new Error(`No handler for operation ${operation.operationId}`);
    app[method](expressPath, route(db, handler as Handler<OperationId>));
  }

  app.use((_req, _res, next) => next(new ApiError(404, 'Not found.')));
  app.use(errorHandler(logger));
  return app;
}
