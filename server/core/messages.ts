// The message catalogue: every text the API answers with when it refuses a request, or records as the
// reason a background copy failed. Fixed texts are constants; texts that name a field, a value or a limit
// are functions. The server builds its answers from these and the tests import them, so a wording lives
// here only. Some are fixed by the spec and the Grow CRM pages it follows (the 401, the 422's
// `The given data was invalid.`, `The project title field is required.`, `The selected project clientid
// is invalid.`): test/messages.test.ts pins those. Success messages (`… retrieved successfully.`) are
// `const`s of the spec and stay with their handlers, where the generated types check them.
//
// Field-level texts follow Laravel's wording and name a field as the API defines it, its underscores as
// spaces (`project_clientid` → "project clientid"), or as the client sent it, quoted, when it is not one.

// ─── The request as a whole ──────────────────────────────────────────────────────────────────────────

export const VALIDATION_MESSAGE = 'The given data was invalid.';
export const UNAUTHORIZED_MESSAGE = 'Unauthorized. A valid API key is required.';
/**
 * How to send a key, in every API 401's `WWW-Authenticate` (RFC 6750's `error_description`): the body
 * keeps the Grow CRM page's text exactly, so a client that knows only that page sees nothing new.
 */
export const UNAUTHORIZED_HINT = 'Send a valid API key in the Authorization header: Authorization: Bearer <key>';
export const METRICS_UNAUTHORIZED_MESSAGE = 'Unauthorized. A valid metrics token is required.';
export const NOT_FOUND_MESSAGE = 'Not found.';
export const METHOD_NOT_ALLOWED_MESSAGE = 'Method not allowed.';
/** A 4xx from a library that no other text explains, when it carries no message of its own. */
export const BAD_REQUEST_MESSAGE = 'Bad request.';
export const SERVER_ERROR_MESSAGE = 'Server error.';

/** Where a JSON body stops being JSON: 1-based line and column (in characters) of the first offending character, or its end. */
export function invalidJsonAt(line: number, column: number): string {
  return `The request body is not valid JSON: it stops being JSON at line ${line}, column ${column}.`;
}
/** A JSON value that is valid but is not an object or array (`"text"`, `42`): no body of this API is one. */
export const JSON_SCALAR_MESSAGE = 'The request body must be a JSON object or array.';
export const BODY_TOO_LARGE_MESSAGE = 'The request body is too large.';
export const TOO_MANY_FIELDS_MESSAGE = 'The request body has too many fields.';
export const UNSUPPORTED_ENCODING_MESSAGE = 'Unsupported content encoding or charset.';
export const TOO_DEEP_MESSAGE = 'The request is nested too deeply.';
export const INVALID_UTF8_MESSAGE = 'The request body is not valid UTF-8.';
export const UNDECOMPRESSABLE_MESSAGE = 'The request body could not be decompressed: it does not match its Content-Encoding.';
export const UNSUPPORTED_TYPE_MESSAGE = 'Unsupported content type: send application/json or application/x-www-form-urlencoded.';
export const NO_CONTENT_TYPE_MESSAGE = 'The request body has no Content-Type: send application/json or application/x-www-form-urlencoded.';
/** curl's `-d '{…}'` declares a form unless told otherwise. */
export const JSON_AS_FORM_MESSAGE = 'The request body looks like JSON but was sent as application/x-www-form-urlencoded: send it with the header Content-Type: application/json.';

/** Answered on the socket, before Express sees a request (server/http/protocol-errors.ts). */
export const HEADERS_TOO_LARGE_MESSAGE = 'The request URL or headers are too large.';
export const CHUNK_EXTENSIONS_TOO_LARGE_MESSAGE = 'The request body\'s chunk extensions are too large.';
export const REQUEST_TIMEOUT_MESSAGE = 'The request took too long to arrive.';
export const NOT_HTTP_MESSAGE = 'The request is not valid HTTP.';
export const UNMET_EXPECTATION_MESSAGE = 'The Expect header is not supported: only 100-continue is.';

export const BUSY_MESSAGE = 'The server is busy: retry shortly.';
export const UNAVAILABLE_MESSAGE = 'The service is temporarily unavailable.';
export const JOBS_NOT_RUNNING_MESSAGE = 'Background jobs are not running on this server.';
export const DOCS_NOT_BUILT_MESSAGE = 'The documentation has not been built: run `npm run docs`.';

/** `Project not found.`: an id in the path that names nothing. */
export function resourceNotFound(resource: string): string {
  return `${resource} not found.`;
}

/** A 429: `who` is "for this API key" or "from this address without a valid API key". */
export function tooManyRequests(who: string, limit: number, windowSeconds: number): string {
  return `Too many requests ${who}: at most ${limit} per ${windowSeconds} s. Retry after the seconds in Retry-After.`;
}

/** An Idempotency-Key sent again with another request: `reused` is the request it was first used for. */
export function idempotencyKeyReused(reused: string, now: string, sameRoute: boolean): string {
  const reason = sameRoute ? `was already used for ${reused} with a different body or query` : `was already used for ${reused}, not ${now}`;
  return `This Idempotency-Key ${reason}: send a new key with a new request.`;
}

export const PRECONDITION_FAILED_MESSAGE = 'The project has changed since the version in If-Match: get it again and reapply your change.';

// ─── A field, from the schema's keyword that failed (server/http/errors.ts) ────────────────────────────

/** `project_clientid` → "project clientid", as the API's messages name the fields it defines. */
export function fieldLabel(field: string): string {
  return field.replace(/_/g, ' ');
}

/** `The <field> field <rule>.`, the shape of most field messages. */
export function fieldRule(field: string, rule: string): string {
  return `The ${fieldLabel(field)} field ${rule}.`;
}

export const fieldRequired = (field: string) => fieldRule(field, 'is required');
export const fieldInvalid = (field: string) => fieldRule(field, 'is invalid');
export const fieldFormatInvalid = (field: string) => fieldRule(field, 'format is invalid');
export const fieldNotEmpty = (field: string) => fieldRule(field, 'must not be empty');
export const fieldAtLeast = (field: string, minimum: number) => fieldRule(field, `must be at least ${minimum}`);
export const fieldAtMost = (field: string, maximum: number) => fieldRule(field, `must not be greater than ${maximum}`);
export const fieldMinLength = (field: string, characters: number) => fieldRule(field, `must be at least ${characters} characters`);
export const fieldMaxLength = (field: string, characters: number) => fieldRule(field, `must not be greater than ${characters} characters`);
export const fieldMinItems = (field: string, items: number) => fieldRule(field, `must have at least ${items} items`);
export const fieldMaxItems = (field: string, items: number) => fieldRule(field, `must not have more than ${items} items`);
export const fieldMaxDecimals = (field: string, places: number) => fieldRule(field, `must not have more than ${places} decimal places`);
export const fieldNotBefore = (field: string, otherField: string) => fieldRule(field, `must be a date after or equal to ${fieldLabel(otherField)}`);
export const fieldInvalidText = (field: string) => fieldRule(field, 'must be valid text (no NUL characters or broken Unicode)');

const TYPE_NAMES: Record<string, string> = {
  integer: 'an integer', number: 'a number', string: 'a string', array: 'an array', object: 'an object', boolean: 'true or false',
};

/** `The limit field must be an integer.`; several types join with "or". */
export function fieldType(field: string, types: readonly string[]): string {
  return fieldRule(field, `must be ${types.map((type) => TYPE_NAMES[type] ?? type).join(' or ')}`);
}

/** What a `format` asks of a value, as the messages say it. */
export const FORMAT_RULES: Readonly<Record<string, string>> = {
  date: 'must be a valid date in the format YYYY-MM-DD',
  'date-time': 'must be a valid date and time',
  email: 'must be a valid email address',
  uri: 'must be a valid http(s) URL',
};

/** `The <field> field must be a valid …` for one of FORMAT_RULES' formats. */
export function fieldFormat(field: string, format: keyof typeof FORMAT_RULES & string): string {
  const rule = FORMAT_RULES[format];
  return rule === undefined ? fieldFormatInvalid(field) : fieldRule(field, rule);
}

/** `The selected status is invalid. Allowed values: a, b.` (the list when the schema has one). */
export function invalidSelection(field: string, allowed: readonly unknown[] = []): string {
  const values = allowed.length > 0 ? ` Allowed values: ${allowed.map(String).join(', ')}.` : '';
  return `The selected ${fieldLabel(field)} is invalid.${values}`;
}

/** A field the body may not carry, named exactly as the client sent it. */
export function fieldNotAllowed(field: string): string {
  return `The ${JSON.stringify(field)} field is not allowed here.`;
}

/** A query parameter the operation does not define, named exactly as sent, with those it does. */
export function parameterNotSupported(name: string, supported: readonly string[]): string {
  // `filter[progress][gte]` and the like spell out the `filter` grammar: the list names the grammar once.
  const named = supported.filter((parameter) => !parameter.includes('[') || !supported.includes(parameter.slice(0, parameter.indexOf('['))));
  const list = named.length > 0 ? ` Supported parameters: ${named.join(', ')}.` : ' This operation takes no query parameters.';
  return `The ${JSON.stringify(name)} parameter is not supported here.${list}`;
}

// ─── Paging ───────────────────────────────────────────────────────────────────────────────────────────

export const INVALID_CURSOR_MESSAGE = 'The after cursor is invalid: send back a next_cursor unchanged.';
export const PAGE_WITH_AFTER_MESSAGE = 'The page field cannot be combined with after.';
export const AFTER_WITH_CUSTOM_SORT_MESSAGE = 'The after field cannot be combined with sort custom field: page through it with page.';

export function cursorForOtherSort(sort: string, order: string): string {
  return `The after cursor was made for sort=${sort} and order=${order}: send those with it.`;
}

// ─── Projects ─────────────────────────────────────────────────────────────────────────────────────────

export const PROJECT_ARCHIVED_MESSAGE = 'The project is archived: only its title and manager can be changed. Restore it first.';
export const INTERNAL_PROJECT_MESSAGE = 'The project is internal: it has no client to invoice or to send an estimate to.';
export const INTERNAL_PROJECT_CLIENT_MESSAGE = 'The project clientid field must be empty for an internal project.';

// ─── Clones and duplications ──────────────────────────────────────────────────────────────────────────

export const CLONE_OF_INTERNAL_CLIENT_MESSAGE = 'The project clientid field must be empty: the copy of an internal project is internal.';

export function cloneDueDatePast(lastDate: string): string {
  return `The project date start field moves the copied due date past ${lastDate}: send project date due as well.`;
}

export function cloneChildDatesOutside(firstDate: string, lastDate: string): string {
  return `The project date start field moves a copied task or milestone due date outside ${firstDate} to ${lastDate}.`;
}

/** A clone request without Prefer: respond-async whose background copy outlasted DUPLICATION_WAIT_MS. */
export function cloneStillCopying(seconds: number, location: string): string {
  return `The copy did not finish within ${seconds} s; it goes on in the background: follow it at ${location}. `
    + 'Send the header Prefer: respond-async to be answered at once with 202 Accepted and that location.';
}

/** A clone request without Prefer: respond-async whose background copy ended `failed`. */
export function cloneNotCompleted(reason: string): string {
  return `The clone could not be completed: ${reason}`;
}

/** Why a duplication ended `failed` (its `error`). */
export const DUPLICATION_SOURCE_GONE_MESSAGE = 'The source project no longer exists.';
export const DUPLICATION_COPY_DELETED_MESSAGE = 'The new project was deleted before the copy was complete.';

export function duplicationImpossible(reasons: readonly string[]): string {
  return `The clone can no longer be made: ${reasons.join(' ')}`;
}

export function duplicationRetriesExhausted(attempts: number, lastError: string): string {
  return `The copy failed ${attempts} times; the last error: ${lastError}`;
}

// ─── Custom fields ────────────────────────────────────────────────────────────────────────────────────

export const SELECT_OPTIONS_REQUIRED_MESSAGE = 'The custom field options field is required for a select.';

export const optionGivenTwice = (option: string) => `The option ${option} is given twice.`;
export const optionsNotTaken = (type: string) => `A ${type} custom field takes no options.`;
export const customFieldKeyTaken = (key: string) => `The custom field key ${key} has already been taken.`;
export const optionStillHeld = (option: string) => `The option ${option} is held by projects: change them before removing it.`;
/** A value for a key no custom field has, in a project's body. */
export const customFieldUndefined = (key: string) => `There is no custom field ${key}: define it first (POST /api/custom-fields).`;
/** A key no custom field has, in a filter or a sort. */
export const customFieldUnknown = (key: string) => `There is no custom field ${key}.`;
/** A custom field condition given twice (`custom_field_filter`, or it and `custom_fields`) with an operator that takes one value. */
export const customFieldConditionRepeated = (key: string, operator: string) => `The condition ${key}:${operator} is given more than once: only in and not_in take several values.`;
export const customFieldNotSortable = (typeLabel: string) => `A ${typeLabel} custom field cannot be sorted on.`;
export const customFieldOperators = (typeLabel: string, operators: readonly string[]) => `A ${typeLabel} custom field takes the operators ${operators.join(', ')}.`;

/** A project's value for custom field `key` that its type refuses: `The budget code custom field must be text.` */
export const customValueInvalid = (key: string, rule: string) => `The ${fieldLabel(key)} custom field ${rule}.`;

/** What a custom field's value must be: the `rule` of customValueInvalid. */
export const CUSTOM_VALUE_RULES = {
  number: 'must be a number',
  numberRange: 'must be less than 100000000000000 in magnitude',
  numberPlaces: 'must not have more than 6 decimal places',
  date: 'must be a date (YYYY-MM-DD)',
  teamUser: 'must be a team user id',
  text: 'must be text',
  oneOption: 'must be one option',
} as const;
export const customValueOneOf = (options: readonly string[]) => `must be one of: ${options.join(', ')}`;
export const customValueOnlyOptionsOf = (options: readonly string[]) => `must hold only options of: ${options.join(', ')}`;

// ─── Team users ───────────────────────────────────────────────────────────────────────────────────────

export const EMAIL_TAKEN_MESSAGE = 'The email has already been taken.';

// ─── Webhooks ─────────────────────────────────────────────────────────────────────────────────────────

export const WEBHOOK_DISABLED_MESSAGE = 'The webhook is disabled: enable it before redelivering.';
export const WEBHOOK_URL_INTERNAL_MESSAGE = 'The url field must not point at a loopback, private or other internal network address.';
export const WEBHOOK_URL_UNRESOLVED_MESSAGE = 'The url field must name a host that resolves.';
