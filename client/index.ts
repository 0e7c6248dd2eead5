// A typed client for the Projects API: openapi-fetch over the types generated from the spec.
import createClient, { type Client, type FetchResponse, type MaybeOptionalInit, type Middleware } from 'openapi-fetch';
import type { HttpMethod, PathsWithMethod, RequiredKeysOf } from 'openapi-typescript-helpers';
import type { components, operations, paths } from '../generated/api-types.ts';

export type { components, operations, paths };

/**
 * openapi-fetch infers each call's options as a generic, which switches off TypeScript's excess
 * property check: an unknown body field would compile. Typing the options from the path alone
 * keeps object literals exact, so a misspelt or unknown field is a compile error.
 */
type ExactMethod<Method extends HttpMethod> = <Path extends PathsWithMethod<paths, Method>>(
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
