// The API's errors: ApiError, the messages every layer shares, and the field-error collector of a 422.
// How anything thrown becomes an answer is server/http/errors.ts.

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

export const UNSUPPORTED_TYPE_MESSAGE = 'Unsupported content type: send application/json or application/x-www-form-urlencoded.';
export const NO_CONTENT_TYPE_MESSAGE = 'The request body has no Content-Type: send application/json or application/x-www-form-urlencoded.';
/** curl's `-d '{…}'` declares a form unless told otherwise. */
export const JSON_AS_FORM_MESSAGE = 'The request body looks like JSON but was sent as application/x-www-form-urlencoded: send it with the header Content-Type: application/json.';

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
  /** Every message, field after field. */
  messages(): string[] {
    return Object.values(this.errors).flat();
  }
  throwIfAny(): void {
    if (!this.isEmpty) throw validationFailed(this.errors);
  }
}

/** `project_clientid` → "project clientid", as the API's messages name the fields it defines. */
export function fieldLabel(field: string): string {
  return field.replace(/_/g, ' ');
}

export function invalidSelection(field: string): string {
  return `The selected ${fieldLabel(field)} is invalid.`;
}

export const PROJECT_ARCHIVED_MESSAGE = 'The project is archived: only its title and manager can be changed. Restore it first.';

/** A change an archived project refuses: a 422 naming each refused field (`id` for the project as a whole). */
export function projectArchived(fields: string[] = ['id']): ApiError {
  return validationFailed(Object.fromEntries(fields.map((field) => [field, [PROJECT_ARCHIVED_MESSAGE]])));
}

/** A field the body may not carry, named exactly as the client sent it. */
export function fieldNotAllowed(field: string): string {
  return `The ${JSON.stringify(field)} field is not allowed here.`;
}

/** A query parameter the operation does not define, named exactly as sent, with those it does. */
export function parameterNotSupported(name: string, supported: readonly string[]): string {
  const list = supported.length > 0 ? ` Supported parameters: ${supported.join(', ')}.` : ' This operation takes no query parameters.';
  return `The ${JSON.stringify(name)} parameter is not supported here.${list}`;
}
