// The one module that turns anything thrown into the API's error format:
// `{ message }`, plus `errors: { field: [messages] }` on 422. Nothing a client sends yields a 500.
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';

export type FieldErrors = Record<string, string[]>;

export class ApiError extends Error {
  readonly status: number;
  readonly errors: FieldErrors | undefined;
  readonly headers: Record<string, string> | undefined;
  constructor(status: number, message: string, errors?: FieldErrors, headers?: Record<string, string>) {
    super(message);
    this.status = status;
    this.errors = errors;
    this.headers = headers;
  }
}

export const VALIDATION_MESSAGE = 'The given data was invalid.';
export const UNAUTHORIZED_MESSAGE = 'Unauthorized. A valid API key is required.';
export const TOO_DEEP_MESSAGE = 'The request is nested too deeply.';
export const INVALID_UTF8_MESSAGE = 'The request body is not valid UTF-8.';
export const UNDECOMPRESSABLE_MESSAGE = 'The request body could not be decompressed: it does not match its Content-Encoding.';

export const BUSY_MESSAGE = 'The server is busy: retry shortly.';
export const UNAVAILABLE_MESSAGE = 'The service is temporarily unavailable.';

/**
 * 503s tell the client when to retry: soon when the database is only busy (every connection in use,
 * the wait queue full), later when it is unreachable or not answering.
 */
export function serverBusy(): ApiError {
  return new ApiError(503, BUSY_MESSAGE, undefined, { 'Retry-After': '1' });
}

export function serviceUnavailable(): ApiError {
  return new ApiError(503, UNAVAILABLE_MESSAGE, undefined, { 'Retry-After': '5' });
}

export function notFound(resource: string): ApiError {
  return new ApiError(404, `${resource} not found.`);
}

/** A field-error map with no prototype: a client's field may be called `__proto__` or `constructor`. */
export function emptyFieldErrors(): FieldErrors {
  return Object.create(null) as FieldErrors;
}

export function validationFailed(errors: FieldErrors): ApiError {
  return new ApiError(422, VALIDATION_MESSAGE, errors);
}

/** Collects field errors and throws them together, so a client sees every problem at once. */
export class FieldErrorCollector {
  private readonly errors = emptyFieldErrors();
  constructor(initial: FieldErrors = emptyFieldErrors()) {
    for (const [field, messages] of Object.entries(initial)) for (const message of messages) this.add(field, message);
  }
  add(field: string, message: string): void {
    const messages = (this.errors[field] ??= []);
    if (!messages.includes(message)) messages.push(message);
  }
  has(field: string): boolean {
    return Object.hasOwn(this.errors, field);
  }
  /** True when `field` or anything inside it (`field.0`, `field.name`) has an error. */
  touches(field: string): boolean {
    return Object.keys(this.errors).some((name) => name === field || name.startsWith(`${field}.`));
  }
  get isEmpty(): boolean {
    return Object.keys(this.errors).length === 0;
  }
  throwIfAny(): void {
    if (!this.isEmpty) throw validationFailed(this.errors);
  }
}

/** `project_clientid` → "project clientid", as the API's messages name fields. */
export function fieldLabel(field: string): string {
  return field.replace(/_/g, ' ');
}

export function invalidSelection(field: string): string {
  return `The selected ${fieldLabel(field)} is invalid.`;
}

export function fieldNotAllowed(field: string): string {
  return `The ${fieldLabel(field)} field is not allowed here.`;
}

export function parameterNotSupported(field: string): string {
  return `The ${fieldLabel(field)} parameter is not supported here.`;
}

interface ValidatorErrorItem { path: string; message: string; errorCode?: string }

/** The parts of the request the validator's paths point into (`/body/…`, `/query/…`, `/path/…`). */
interface RequestParts { body?: unknown; query?: unknown; params?: unknown }

/**
 * Where the validator points (`/body/assigned/1`, `/query/limit`) → the field key (`assigned.1`, `limit`).
 * The validator appends a missing or unexpected property's name unescaped, so a top-level name
 * that the request really holds is used as it is, even when it contains `/`.
 */
function fieldOf(path: string, request: RequestParts): string {
  const [, location = '', ...segments] = path.split('/');
  const source = location === 'body' ? request.body : location === 'query' ? request.query : location === 'path' || location === 'params' ? request.params : undefined;
  const rawName = path.slice(location.length + 2);
  if (source && typeof source === 'object' && Object.hasOwn(source, rawName)) return rawName;
  // Node lower-cases header names; the API names them as its spec does (`Idempotency-Key`).
  if (location === 'headers') return segments.join('-').replace(/(^|-)([a-z])/g, (_m, dash: string, letter: string) => dash + letter.toUpperCase());
  if (!['body', 'query', 'params', 'path', 'headers'].includes(location)) segments.unshift(location);
  return segments.map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~')).join('.') || location || 'body';
}

const typeNames: Record<string, string> = {
  integer: 'an integer', number: 'a number', string: 'a string', array: 'an array', object: 'an object', boolean: 'true or false',
};

/** One validator complaint → one message in the API's (Laravel-like) wording. */
function messageFor(item: ValidatorErrorItem, field: string): string {
  const label = fieldLabel(field);
  const keyword = item.errorCode?.replace(/\.openapi\.validation$/, '') ?? '';
  const limit = /(\d+(?:\.\d+)?)/.exec(item.message)?.[1];
  switch (keyword) {
    case 'required':
      return `The ${label} field is required.`;
    case 'type': {
      const wanted = item.message.replace(/^must be /, '').split(',').filter((t) => t !== 'null');
      return `The ${label} field must be ${wanted.map((t) => typeNames[t] ?? t).join(' or ')}.`;
    }
    case 'enum':
      return `The selected ${label} is invalid.`;
    case 'format':
    case 'pattern':
      if (/date-time/.test(item.message)) return `The ${label} field must be a valid date and time.`;
      if (/date|\\d\{4\}/.test(item.message)) return `The ${label} field must be a valid date in the format YYYY-MM-DD.`;
      if (/email/.test(item.message)) return `The ${label} field must be a valid email address.`;
      if (/uri|https/.test(item.message)) return `The ${label} field must be a valid http(s) URL.`;
      return `The ${label} field format is invalid.`;
    case 'minimum':
      return `The ${label} field must be at least ${limit}.`;
    case 'maximum':
      return `The ${label} field must not be greater than ${limit}.`;
    case 'minLength':
      return limit === '1' ? `The ${label} field is required.` : `The ${label} field must be at least ${limit} characters.`;
    case 'maxLength':
      return `The ${label} field must not be greater than ${limit} characters.`;
    case 'maxItems':
      return `The ${label} field must not have more than ${limit} items.`;
    case 'additionalProperties':
    case 'unevaluatedProperties':
      return fieldNotAllowed(field);
    case 'const':
      return `The ${label} field is invalid.`;
    default:
      return `The ${label} field is invalid.`;
  }
}

function fromValidator(items: ValidatorErrorItem[], request: RequestParts): FieldErrors {
  const errors = emptyFieldErrors();
  for (const item of items) {
    // `oneOf`/`anyOf`/`if` summaries repeat what their branches already said.
    if (/^(oneOf|anyOf|if)\./.test(item.errorCode ?? '')) continue;
    let field = fieldOf(item.path, request);
    let message: string;
    const unknownQuery = /^Unknown query parameter '(.+)'$/.exec(item.message);
    const emptyQuery = /^Empty value found for query parameter '(.+)'$/.exec(item.message);
    if (unknownQuery) {
      field = unknownQuery[1]!;
      message = parameterNotSupported(field);
    } else if (emptyQuery) {
      field = emptyQuery[1]!;
      message = `The ${fieldLabel(field)} field must not be empty.`;
    } else {
      message = messageFor(item, field);
    }
    const list = (errors[field] ??= []);
    if (!list.includes(message)) list.push(message);
  }
  return errors;
}

interface HttpLikeError {
  status?: number;
  statusCode?: number;
  type?: string;
  code?: string;
  errno?: number;
  message?: string;
  errors?: ValidatorErrorItem[];
  headers?: Record<string, string>;
}

/** express-openapi-validator's verdict that the request breaks the operation's schemas. */
export function isSchemaFailure(error: unknown): boolean {
  const e = (error ?? {}) as HttpLikeError;
  return (e.status ?? e.statusCode) === 400 && Array.isArray(e.errors);
}

/**
 * A body that does not decompress as its Content-Encoding says: zlib's, brotli's or zstd's own error,
 * which body-parser passes on with no type. It has a numeric errno and, unlike a socket's, no syscall.
 */
function isDecompressionFailure(e: HttpLikeError): boolean {
  return e.type === undefined && typeof e.errno === 'number' && !('syscall' in e);
}

/** Maps any thrown value to a status and an API error body. */
export function toApiError(error: unknown, request: RequestParts = {}): ApiError {
  if (error instanceof ApiError) return error;
  const e = (error ?? {}) as HttpLikeError;
  // body-parser
  if (e.type === 'entity.parse.failed') return new ApiError(400, 'The request body is not valid JSON.');
  if (e.type === 'entity.too.large') return new ApiError(413, 'The request body is too large.');
  if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') {
    return new ApiError(415, 'Unsupported content encoding or charset.');
  }
  if (e.type === 'parameters.too.many') return new ApiError(413, 'The request body has too many fields.');
  if (e.type === 'querystring.parse.rangeError') return new ApiError(400, TOO_DEEP_MESSAGE);
  const status = e.status ?? e.statusCode;
  if (status === 400 && isDecompressionFailure(e)) return new ApiError(400, UNDECOMPRESSABLE_MESSAGE);
  // express-openapi-validator
  if (isSchemaFailure(error)) return validationFailed(fromValidator(e.errors!, request));
  if (status === 401) return new ApiError(401, UNAUTHORIZED_MESSAGE);
  if (status === 404) return new ApiError(404, 'Not found.');
  if (status === 405) return new ApiError(405, 'Method not allowed.');
  if (status === 415) {
    return new ApiError(415, 'Unsupported content type: send application/json or application/x-www-form-urlencoded.');
  }
  if (status === 413) return new ApiError(413, 'The request body is too large.');
  const database = databaseTrouble(error);
  if (database === 'busy') return serverBusy();
  if (database === 'unavailable') return serviceUnavailable();
  if (typeof status === 'number' && status >= 400 && status < 500) return new ApiError(status, e.message || 'Bad request.');
  return new ApiError(500, 'Server error.');
}

/** Prisma's codes for a database that is not there, or not answering. */
const UNAVAILABLE_PRISMA_CODES = ['P1001', 'P1002', 'P1008', 'P1017'];
/** PostgreSQL's: shutting down, starting up, crashed, or the connection failed (class 08). */
const UNAVAILABLE_SQLSTATES = /^(57P0[123]|08...)$/;
/** The socket errors that mean "not reachable", as Node reports them. */
const UNAVAILABLE_SOCKET_CODES = ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE'];
/**
 * node-postgres reports its own timeouts and lost connections as plain Errors, which the Prisma
 * adapter passes through unchanged: their messages are all there is to recognise them by.
 */
const PG_UNAVAILABLE_MESSAGES = /^(Query read timeout|Connection terminated|Client has encountered a connection error|Client was closed|Cannot use a pool after calling end)/;
const PG_BUSY_MESSAGES = /^timeout exceeded when trying to connect$/;

interface DatabaseErrorLike {
  code?: string;
  name?: string;
  message?: string;
  cause?: { code?: string };
  meta?: { driverAdapterError?: { cause?: { kind?: string; originalCode?: string } } };
}

/**
 * 'busy': the database answers but had no room in time (no free connection, a transaction that
 * could not start or outlived its timeout, a statement cancelled by statement_timeout, too many
 * connections). 'unavailable': unreachable, closed, or not answering.
 */
function databaseTrouble(error: unknown): 'busy' | 'unavailable' | undefined {
  const e = (error ?? {}) as DatabaseErrorLike;
  const driver = e.meta?.driverAdapterError?.cause;
  const sqlState = driver?.originalCode ?? e.code ?? '';
  if (e.code === 'P2028' || e.code === 'P2037' || sqlState === '57014' || sqlState === '53300') return 'busy';
  if (PG_BUSY_MESSAGES.test(e.message ?? '')) return 'busy';
  if (UNAVAILABLE_PRISMA_CODES.includes(e.code ?? '') || UNAVAILABLE_SQLSTATES.test(sqlState)) return 'unavailable';
  if (['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout'].includes(driver?.kind ?? '')) return 'unavailable';
  if (UNAVAILABLE_SOCKET_CODES.includes(e.code ?? e.cause?.code ?? '')) return 'unavailable';
  if (e.name === 'PrismaClientInitializationError' || PG_UNAVAILABLE_MESSAGES.test(e.message ?? '')) return 'unavailable';
  return undefined;
}

/** The body of an error answer: `{ message }`, with `errors` on validation failures. */
export function errorBody(apiError: ApiError): { message: string; errors?: FieldErrors } {
  return apiError.errors ? { message: apiError.message, errors: apiError.errors } : { message: apiError.message };
}

export function errorHandler(logger: Logger) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const log = (req as Request & { log?: Logger }).log ?? logger;
    let apiError: ApiError;
    try {
      apiError = toApiError(error, req);
    } catch (mappingError) {
      // Never let Express's own handler answer (HTML with a stack trace).
      log.error({ err: mappingError, original: error }, 'could not map an error');
      apiError = new ApiError(500, 'Server error.');
    }
    if (apiError.status >= 500) log.error({ err: error }, 'request failed');
    else log.debug({ err: error, status: apiError.status }, 'request refused');
    if (res.headersSent) return;
    const allow = (error as HttpLikeError)?.headers?.Allow;
    if (allow) res.setHeader('Allow', allow);
    // RFC 6750: a 401 names the scheme that the client must use.
    if (apiError.status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
    for (const [name, value] of Object.entries(apiError.headers ?? {})) res.setHeader(name, value);
    res.status(apiError.status).json(errorBody(apiError));
  };
}
