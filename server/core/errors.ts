// The API's errors: ApiError, the errors every layer throws, and the field-error collector of a 422.
// Their texts are in the message catalogue, server/core/messages.ts; how anything thrown becomes an
// answer is server/http/errors.ts.
import { BUSY_MESSAGE, PROJECT_ARCHIVED_MESSAGE, resourceNotFound, UNAVAILABLE_MESSAGE, VALIDATION_MESSAGE } from './messages.ts';

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
  return new ApiError(404, resourceNotFound(resource));
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

/** A change an archived project refuses: a 422 naming each refused field (`id` for the project as a whole). */
export function projectArchived(fields: string[] = ['id']): ApiError {
  return validationFailed(Object.fromEntries(fields.map((field) => [field, [PROJECT_ARCHIVED_MESSAGE]])));
}
