// A typed client for the Projects API: openapi-fetch over the types generated from the spec.
import createClient, { type Client, type ClientPathsWithMethod, type FetchResponse, type MaybeOptionalInit, type Middleware } from 'openapi-fetch';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import type { components, operations, paths } from '../generated/api-types.ts';

// Every generated type: `paths`, `operations`, `components` and one `Schema…` alias per schema of the
// spec (`SchemaProject`, `SchemaProjectCreateBody`, …), so no hand-kept list can fall behind it.
export type * from '../generated/api-types.ts';

/** The spec's operationIds: `listProjects`, `createProject`, … */
export type OperationId = keyof operations;

/** The JSON body an operation takes (`never` for an operation without a body). */
export type RequestBody<Op extends OperationId> = operations[Op] extends { requestBody?: { content: { 'application/json': infer Body } } }
  ? Body
  : never;

/** An operation's query parameters (`never` when it has none). */
export type QueryParams<Op extends OperationId> = NonNullable<operations[Op]['parameters']['query']>;

/** An operation's path parameters (`never` when it has none). */
export type PathParams<Op extends OperationId> = NonNullable<operations[Op]['parameters']['path']>;

/** The statuses an operation may answer with. */
export type ResponseStatus<Op extends OperationId> = keyof operations[Op]['responses'];

/** The JSON body of one of an operation's answers: `ResponseBody<'getProject', 404>` is `{ message }`. */
export type ResponseBody<Op extends OperationId, Status extends ResponseStatus<Op>> = operations[Op]['responses'][Status] extends {
  content: { 'application/json': infer Body };
}
  ? Body
  : never;

/** The body of an operation's success answer (200 or 201). */
export type SuccessBody<Op extends OperationId> = ResponseBody<Op, ResponseStatus<Op> & (200 | 201)>;

type HttpMethod = 'get' | 'put' | 'post' | 'delete' | 'options' | 'head' | 'patch' | 'trace';
type RequiredKeysOf<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];

/**
 * openapi-fetch infers each call's options as a generic, which switches off TypeScript's excess
 * property check: an unknown body field would compile. Typing the options from the path alone
 * keeps object literals exact, so a misspelt or unknown field is a compile error.
 */
type ExactMethod<Method extends HttpMethod> = <Path extends ClientPathsWithMethod<Client<paths>, Method>>(
  url: Path,
  ...init: RequiredKeysOf<MaybeOptionalInit<paths[Path], Method>> extends never
    ? [MaybeOptionalInit<paths[Path], Method>?]
    : [MaybeOptionalInit<paths[Path], Method>]
) => Promise<FetchResponse<paths[Path][Method] & Record<string | number, unknown>, MaybeOptionalInit<paths[Path], Method>, `${string}/${string}`>>;

export interface ProjectsClient extends Omit<Client<paths>, 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'> {
  GET: ExactMethod<'get'>;
  POST: ExactMethod<'post'>;
  PUT: ExactMethod<'put'>;
  PATCH: ExactMethod<'patch'>;
  DELETE: ExactMethod<'delete'>;
}

export interface ProjectsClientOptions {
  /** Where the server runs, without `/api`: e.g. `https://crm.example.org` or `http://localhost:3000`. */
  baseUrl: string;
  /** An API key from `npm run -s keys -- create <name>`. */
  apiKey: string;
  /** A fetch implementation to use instead of the global one. */
  fetch?: (input: Request) => Promise<Response>;
}

function bearerAuth(apiKey: string): Middleware {
  return {
    onRequest({ request }) {
      request.headers.set('Authorization', `Bearer ${apiKey}`);
      return request;
    },
  };
}

export function createProjectsClient({ baseUrl, apiKey, fetch }: ProjectsClientOptions): ProjectsClient {
  const client = createClient<paths>({
    baseUrl: baseUrl.replace(/\/+$/, ''),
    // openapi-fetch writes objects one level deep only; the filter grammar nests
    // (`filter[or][0][status][in][]=on_hold`).
    querySerializer: encodeQuery,
    ...(fetch ? { fetch } : {}),
  });
  client.use(bearerAuth(apiKey));
  return client as ProjectsClient;
}

function appendField(params: URLSearchParams, key: string, value: unknown): void {
  if (value === undefined) return;
  if (value === null) {
    params.append(key, ''); // an empty form value means "clear"
  } else if (Array.isArray(value)) {
    if (value.length === 0) params.append(`${key}[]`, '');
    value.forEach((item, index) => {
      if (item !== null && typeof item === 'object') appendField(params, `${key}[${index}]`, item);
      else appendField(params, `${key}[]`, item);
    });
  } else if (typeof value === 'object') {
    for (const [name, inner] of Object.entries(value)) appendField(params, `${key}[${name}]`, inner);
  } else {
    params.append(key, String(value));
  }
}

/**
 * Encodes a request body as application/x-www-form-urlencoded the way the API's curl examples do:
 * arrays as `assigned[]=5`, nested objects as `task_files[0][file_name]=…`, null and [] as empty values.
 */
export function encodeFormBody(body: unknown): string {
  return fieldPairs(body).toString();
}

function fieldPairs(body: unknown): URLSearchParams {
  const params = new URLSearchParams();
  if (body && typeof body === 'object') {
    for (const [key, value] of Object.entries(body)) appendField(params, key, value);
  }
  return params;
}

/**
 * A query string in the same bracket notation (`status[]=on_hold`, `filter[or][0][tag][eq]=x`),
 * percent-encoded throughout: the server refuses a literal `+` in a query value, which a form
 * encoding would write for a space.
 */
export function encodeQuery(query: unknown): string {
  return [...fieldPairs(query)].map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`).join('&');
}

/** Spread into a call's options to send its body form-encoded instead of as JSON. */
export const formEncoded = {
  bodySerializer: encodeFormBody,
  headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
} as const;

/** The quota an answer was counted against (`RateLimit-Policy`) and what is left of it (`RateLimit`). */
export interface RateLimitState {
  /** `per-key`, or `per-ip` for requests without a valid key. */
  policy: string;
  /** Requests allowed per window. */
  limit: number;
  windowSeconds: number;
  remaining: number;
  /** Seconds until the window resets. */
  resetSeconds: number;
}

/** What an answer's headers say about retrying, versions and limits. */
export interface AnswerHeaders {
  /** The project's version (`"v7"`): send it as `If-Match` or `If-None-Match`. */
  etag: string | undefined;
  /** True when the answer is the stored answer to an earlier request with the same `Idempotency-Key`. */
  replayed: boolean;
  /** On 429, 409 and 503: seconds to wait before sending the request again. */
  retryAfterSeconds: number | undefined;
  rateLimit: RateLimitState | undefined;
}

/** The parameters (`q=5`, `t=42`) of the first item of a structured-field list header. */
function firstItemParameters(value: string | null): Map<string, string> & { name?: string } {
  const parameters: Map<string, string> & { name?: string } = new Map();
  const [name, ...rest] = (value ?? '').split(',')[0]!.split(';').map((part) => part.trim());
  parameters.name = name?.replace(/^"|"$/g, '');
  for (const part of rest) {
    const [key, raw = ''] = part.split('=');
    if (key) parameters.set(key, raw);
  }
  return parameters;
}

/** Reads the headers of any answer (`response` of a client call) into numbers and flags. */
export function answerHeaders(response: Response): AnswerHeaders {
  const retryAfter = response.headers.get('Retry-After');
  const policy = firstItemParameters(response.headers.get('RateLimit-Policy'));
  const state = firstItemParameters(response.headers.get('RateLimit'));
  const numbers = [policy.get('q'), policy.get('w'), state.get('r'), state.get('t')].map(Number);
  const rateLimit = policy.name && numbers.every(Number.isFinite)
    ? { policy: policy.name, limit: numbers[0]!, windowSeconds: numbers[1]!, remaining: numbers[2]!, resetSeconds: numbers[3]! }
    : undefined;
  return {
    etag: response.headers.get('ETag') ?? undefined,
    replayed: response.headers.get('Idempotent-Replayed') === 'true',
    retryAfterSeconds: retryAfter === null ? undefined : Number(retryAfter),
    rateLimit,
  };
}

/** The payload of a webhook delivery: an event, as `GET /api/events` shows it. */
export type WebhookEvent = components['schemas']['Event'];

/** The payload of a ping (`POST /api/webhooks/{id}/ping`): not an event of the feed. */
export type WebhookPing = components['schemas']['WebhookPing'];

export { WebhookVerificationError };

const signatureHeaders = ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const;

export interface WebhookRequest {
  /** The subscription's `secret` (`whsec_…`), shown when it was created. */
  secret: string;
  /** The request's headers: a fetch `Headers`, or Node's `request.headers`. */
  headers: Headers | Record<string, string | string[] | undefined>;
  /** The raw request body, exactly as received (before any JSON parsing). */
  body: string | Uint8Array;
}

/**
 * Secrets created before the API adopted Standard Webhooks were spelled in base64url (`-`, `_`, no
 * padding), which Standard Webhooks libraries refuse; the server respelled its copy (same bytes,
 * same key), and this respells the receiver's, so a secret kept from then still verifies.
 */
function standardSecret(secret: string): string {
  return `whsec_${secret.replace(/^whsec_/, '').replaceAll('-', '+').replaceAll('_', '/')}`;
}

/**
 * The event (or ping) a webhook request carries, once its Standard Webhooks signature verifies with
 * the subscription's secret and it was signed within five minutes of now (older: a replay). Throws
 * `WebhookVerificationError` otherwise: answer 401. Verified by `standardwebhooks`, the Standard
 * Webhooks reference library (no Node built-ins: it runs in browsers, workers, Deno and Bun too).
 */
export function verifyWebhook({ secret, headers, body }: WebhookRequest): WebhookEvent | WebhookPing {
  const read = (name: string) => {
    const value = headers instanceof Headers ? headers.get(name) : headers[name];
    return Array.isArray(value) ? value.join(' ') : (value ?? '');
  };
  const named = Object.fromEntries(signatureHeaders.map((name) => [name, read(name)]));
  return new Webhook(standardSecret(secret)).verify(body, named) as WebhookEvent | WebhookPing;
}
