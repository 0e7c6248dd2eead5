// Turns anything thrown into the API's error format: `{ message }`, plus `errors: { field: [messages] }`
// on 422. Nothing a client sends yields a 500.
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { composedSchema, schemaAt, typesOf, type JsonSchema, type OpenApiDocument, type RoutedOperation } from '../contract/spec.ts';
import { invalidJsonMessage } from './body.ts';
import { ApiError, type FieldErrors, serverBusy, serviceUnavailable, emptyFieldErrors } from '../core/errors.ts';
import {
  BAD_REQUEST_MESSAGE, BODY_TOO_LARGE_MESSAGE, fieldAtLeast, fieldAtMost, fieldFormatInvalid, fieldInvalid, fieldMaxItems, fieldMaxLength,
  fieldMinItems, fieldMinLength, fieldNotAllowed, fieldNotEmpty, fieldRequired, fieldRule, fieldType, FORMAT_RULES,
  invalidSelection, METHOD_NOT_ALLOWED_MESSAGE, NO_CONTENT_TYPE_MESSAGE, NOT_FOUND_MESSAGE, parameterNotSupported, SERVER_ERROR_MESSAGE,
  TOO_DEEP_MESSAGE, TOO_MANY_FIELDS_MESSAGE, UNAUTHORIZED_HINT, UNAUTHORIZED_MESSAGE, UNDECOMPRESSABLE_MESSAGE, UNSUPPORTED_ENCODING_MESSAGE, UNSUPPORTED_TYPE_MESSAGE,
} from '../core/messages.ts';

/**
 * One complaint of express-openapi-validator: where (`path`) and which JSON Schema keyword failed
 * (`errorCode`, `<keyword>.openapi.validation`). Its own checks of the query string (unknown or
 * empty parameters) come without an errorCode. Messages are built from these and from the schema
 * the path points to, never from the validator's English `message`.
 */
interface ValidatorErrorItem { path: string; message: string; errorCode?: string }

/** The parts of the request the validator's paths point into (`/body/…`, `/query/…`, `/path/…`). */
interface RequestParts { body?: unknown; query?: unknown; params?: unknown; headers?: Record<string, unknown> }

/** Where in the request a complaint points, and at which field. */
interface Location { source: 'body' | 'query' | 'path' | 'header' | 'other'; field: string; segments: string[] }

/** `idempotency-key` → `Idempotency-Key`. */
function canonicalHeaderName(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_match, dash: string, letter: string) => dash + letter.toUpperCase());
}

/**
 * Where the validator points (`/body/assigned/1`, `/query/limit`) → the field key (`assigned.1`, `limit`).
 * The validator appends a missing or unexpected property's name unescaped, so a top-level name
 * that the request really holds is used as it is, even when it contains `/`.
 */
function locate(path: string, request: RequestParts): Location {
  const [, location = '', ...escaped] = path.split('/');
  const source = location === 'body' ? 'body' : location === 'query' ? 'query' : location === 'path' || location === 'params' ? 'path' : location === 'headers' ? 'header' : 'other';
  const values = source === 'body' ? request.body : source === 'query' ? request.query : source === 'path' ? request.params : undefined;
  const rawName = path.slice(location.length + 2);
  if (values && typeof values === 'object' && Object.hasOwn(values, rawName)) return { source, field: rawName, segments: [rawName] };
  const segments = escaped.map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  // Node lower-cases header names; the API names them as its spec does (`Idempotency-Key`).
  if (source === 'header') return { source, field: canonicalHeaderName(segments.join('-')), segments };
  if (source === 'other') segments.unshift(location);
  return { source, field: segments.join('.') || location || 'body', segments };
}

/**
 * A query parameter as the client sent it: `status=open` or `status=on_hold,open` is one parameter,
 * `status`, whose items the validator numbers (`/query/status/0`). Only the deepObject parameters
 * (`filter[status][like]`) name their parts in the query string, and keep them.
 */
function asSent(location: Location, { operation }: OperationContext): Location {
  if (location.source !== 'query' || location.segments.length < 2) return location;
  const [name] = location.segments;
  const parameter = operation.parameters.find((p) => p.in === 'query' && p.name === name);
  return parameter && parameter.style !== 'deepObject' ? { ...location, field: name! } : location;
}

/** The contract's view of the request that failed: the operation the validator matched, in the document. */
export interface OperationContext { doc: OpenApiDocument; operation: RoutedOperation }

const BODY_MEDIA_TYPES = ['application/json', 'application/x-www-form-urlencoded'];

/** The operation's body schema, its `allOf` parts composed into one object schema. */
function bodySchema({ doc, operation }: OperationContext): JsonSchema | undefined {
  const content = operation.operation.requestBody?.content ?? {};
  const media = BODY_MEDIA_TYPES.find((type) => content[type]) ?? Object.keys(content)[0];
  return composedSchema(doc, media ? content[media]?.schema : undefined);
}

/** The schema that the located value had to match, or undefined when the contract has none there. */
function schemaOf(context: OperationContext, { source, field, segments }: Location): JsonSchema | undefined {
  const { doc, operation } = context;
  if (source === 'body') return schemaAt(doc, bodySchema(context), segments);
  if (source === 'query' || source === 'path') {
    const [name, ...inner] = segments;
    const parameter = operation.parameters.find((p) => p.name === name && p.in === source);
    return schemaAt(doc, parameter?.schema, inner);
  }
  if (source === 'header') {
    const parameter = operation.parameters.find((p) => p.in === 'header' && p.name.toLowerCase() === field.toLowerCase());
    return schemaAt(doc, parameter?.schema, []);
  }
  return undefined;
}

/** What the spec's `pattern`s that no `format` explains ask of a value. */
const patternRules: Record<string, string> = {
  // Titles and names: white space alone is no title, and reads as missing.
  '\\S': 'is required',
};

/** One schema complaint → one message in the API's (Laravel-like) wording, from the keyword and the schema. */
function schemaMessage(keyword: string, field: string, schema: JsonSchema | undefined): string {
  const limit = (name: string) => (typeof schema?.[name] === 'number' ? schema[name] as number : undefined);
  const withLimit = (name: string, message: (field: string, limit: number) => string) => {
    const value = limit(name);
    return value === undefined ? fieldInvalid(field) : message(field, value);
  };
  switch (keyword) {
    case 'required':
      return fieldRequired(field);
    case 'type': {
      const wanted = typesOf(schema).filter((type) => type !== 'null');
      return wanted.length > 0 ? fieldType(field, wanted) : fieldInvalid(field);
    }
    case 'enum':
      return invalidSelection(field, Array.isArray(schema?.enum) ? schema.enum : []);
    case 'format':
    case 'pattern': {
      const rule = FORMAT_RULES[String(schema?.format)] ?? patternRules[String(schema?.pattern)];
      return rule ? fieldRule(field, rule) : fieldFormatInvalid(field);
    }
    case 'minimum':
      return withLimit('minimum', fieldAtLeast);
    case 'maximum':
      return withLimit('maximum', fieldAtMost);
    case 'minLength':
      return limit('minLength') === 1 ? fieldRequired(field) : withLimit('minLength', fieldMinLength);
    case 'maxLength':
      return withLimit('maxLength', fieldMaxLength);
    case 'minItems':
      return withLimit('minItems', fieldMinItems);
    case 'maxItems':
      return withLimit('maxItems', fieldMaxItems);
    case 'additionalProperties':
    case 'unevaluatedProperties':
      return fieldNotAllowed(field);
    default:
      return fieldInvalid(field);
  }
}

/**
 * The validator's own query-string checks, which carry no keyword: a parameter the operation does
 * not define, or one sent empty that may not be.
 */
function queryMessage(location: Location, context: OperationContext, request: RequestParts): string {
  const name = location.segments[0] ?? location.field;
  const defined = context.operation.parameters.filter((p) => p.in === 'query').map((p) => p.name);
  if (!defined.includes(name)) return parameterNotSupported(name, defined);
  const value = (request.query as Record<string, unknown> | undefined)?.[name];
  return value === '' ? fieldNotEmpty(name) : fieldInvalid(name);
}

const keywordOf = (item: ValidatorErrorItem) => item.errorCode?.replace(/\.openapi\.validation$/, '');

/**
 * The complaints about the body in the order that the validator gives for a flat object schema:
 * missing fields, then fields not allowed, then bad values in the order of the schema's properties.
 * A composed body (`allOf` parts, `unevaluatedProperties`) is checked part by part and the unknown
 * fields last; put back in this order, its 422 lists the fields as a flat schema's would. The other
 * complaints keep their places.
 */
function inBodyOrder(items: ValidatorErrorItem[], request: RequestParts, context: OperationContext): ValidatorErrorItem[] {
  const fields = Object.keys(bodySchema(context)?.properties ?? {});
  const rank = (item: ValidatorErrorItem): [number, number] => {
    const { segments } = locate(item.path, request);
    const keyword = keywordOf(item);
    if (segments.length <= 1 && keyword === 'required') return [0, 0];
    if (segments.length <= 1 && (keyword === 'additionalProperties' || keyword === 'unevaluatedProperties')) return [1, 0];
    return [2, segments[0] === undefined ? -1 : fields.indexOf(segments[0])];
  };
  const slots = items.flatMap((item, index) => (locate(item.path, request).source === 'body' ? [index] : []));
  const body = slots.map((index) => ({ item: items[index]!, rank: rank(items[index]!) }))
    .sort((a, b) => a.rank[0] - b.rank[0] || a.rank[1] - b.rank[1]);
  const ordered = [...items];
  slots.forEach((slot, n) => { ordered[slot] = body[n]!.item; });
  return ordered;
}

/** The field errors of express-openapi-validator's verdict (a 400 with `errors`) on the request of `context`. */
export function schemaFailureErrors(error: unknown, request: RequestParts, context: OperationContext): FieldErrors {
  const errors = emptyFieldErrors();
  const add = (field: string, message: string) => {
    const messages = (errors[field] ??= []);
    if (!messages.includes(message)) messages.push(message);
  };
  for (const item of inBodyOrder((error as HttpLikeError).errors ?? [], request, context)) {
    const keyword = keywordOf(item);
    // `oneOf`/`anyOf`/`if` summaries repeat what their branches already said.
    if (keyword === 'oneOf' || keyword === 'anyOf' || keyword === 'if') continue;
    const location = asSent(locate(item.path, request), context);
    if (keyword === undefined) {
      const name = location.segments[0] ?? location.field;
      add(name, location.source === 'query' ? queryMessage(location, context, request) : fieldInvalid(name));
    } else {
      add(location.field, schemaMessage(keyword, location.field, schemaOf(context, location)));
    }
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
  /** body-parser's: the body it could not parse, as text. */
  body?: unknown;
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
  if (e.type === 'entity.parse.failed') return new ApiError(400, invalidJsonMessage(String(e.body ?? '')));
  if (e.type === 'entity.too.large') return new ApiError(413, BODY_TOO_LARGE_MESSAGE);
  if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') {
    return new ApiError(415, UNSUPPORTED_ENCODING_MESSAGE);
  }
  if (e.type === 'parameters.too.many') return new ApiError(413, TOO_MANY_FIELDS_MESSAGE);
  if (e.type === 'querystring.parse.rangeError') return new ApiError(400, TOO_DEEP_MESSAGE);
  const status = e.status ?? e.statusCode;
  if (status === 400 && isDecompressionFailure(e)) return new ApiError(400, UNDECOMPRESSABLE_MESSAGE);
  // express-openapi-validator. Its schema failures on an operation are read by completeValidation;
  // one that reaches here came before any operation matched: a path whose escapes do not decode.
  if (isSchemaFailure(error)) return new ApiError(404, NOT_FOUND_MESSAGE);
  if (status === 401) return new ApiError(401, UNAUTHORIZED_MESSAGE);
  if (status === 404) return new ApiError(404, NOT_FOUND_MESSAGE);
  if (status === 405) return new ApiError(405, METHOD_NOT_ALLOWED_MESSAGE);
  if (status === 415) return new ApiError(415, request.headers?.['content-type'] === undefined ? NO_CONTENT_TYPE_MESSAGE : UNSUPPORTED_TYPE_MESSAGE);
  if (status === 413) return new ApiError(413, BODY_TOO_LARGE_MESSAGE);
  const database = databaseTrouble(error);
  if (database === 'busy') return serverBusy();
  if (database === 'unavailable') return serviceUnavailable();
  if (typeof status === 'number' && status >= 400 && status < 500) return new ApiError(status, e.message || BAD_REQUEST_MESSAGE);
  return new ApiError(500, SERVER_ERROR_MESSAGE);
}

/**
 * PostgreSQL's: a statement cancelled by statement_timeout, too many connections, and the two
 * conflicts whose cure is to run the transaction again (a serialization failure, a deadlock).
 */
const BUSY_SQLSTATES = ['57014', '53300', '40001', '40P01'];
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
  cause?: { code?: string; kind?: string; originalCode?: string };
  meta?: { driverAdapterError?: { cause?: { kind?: string; originalCode?: string } } };
}

/**
 * 'busy': the database answers but had no room in time (no free connection, a transaction that
 * could not start or outlived its timeout (P2028, and P1018 for a statement of a transaction that
 * has already ended: server/platform/database/ended-transactions.ts), a statement cancelled by
 * statement_timeout, too many connections, a deadlock or serialization failure that a retry cures).
 * 'unavailable': unreachable, closed, or not answering.
 */
function databaseTrouble(error: unknown): 'busy' | 'unavailable' | undefined {
  const e = (error ?? {}) as DatabaseErrorLike;
  // Through Prisma, or as the guard refused a statement sent on a transaction's connection directly (sql.ts).
  const driver = e.meta?.driverAdapterError?.cause ?? (e.name === 'DriverAdapterError' ? e.cause : undefined);
  const sqlState = driver?.originalCode ?? e.code ?? '';
  if (driver?.kind === 'TransactionAlreadyClosed') return 'busy';
  if (e.code === 'P2028' || e.code === 'P1018' || e.code === 'P2034' || e.code === 'P2037' || BUSY_SQLSTATES.includes(sqlState)) return 'busy';
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
    // A request's lines carry its id, as its request line does (server/platform/logging.ts).
    const log = req.id ? logger.child({ reqId: req.id }) : logger;
    let apiError: ApiError;
    try {
      apiError = toApiError(error, req);
    } catch (mappingError) {
      // Never let Express's own handler answer (HTML with a stack trace).
      log.error({ err: mappingError, original: error }, 'could not map an error');
      apiError = new ApiError(500, SERVER_ERROR_MESSAGE);
    }
    if (apiError.status >= 500) log.error({ err: error }, 'request failed');
    else log.debug({ err: error, status: apiError.status }, 'request refused');
    if (res.headersSent) return;
    const allow = (error as HttpLikeError)?.headers?.Allow;
    if (allow) res.setHeader('Allow', allow);
    // RFC 6750: a 401 names the scheme that the client must use, and may say how in words.
    if (apiError.status === 401) res.setHeader('WWW-Authenticate', `Bearer error_description="${UNAUTHORIZED_HINT}"`);
    for (const [name, value] of Object.entries(apiError.headers ?? {})) res.setHeader(name, value);
    res.status(apiError.status).json(errorBody(apiError));
  };
}
