// Reads request bodies (JSON and forms, up to the configured size) and what their parsers would hide:
// - bytes that are not UTF-8 would be decoded to U+FFFD and stored so: such a body is refused (400);
// - a JSON document sent as a form (curl's `-d '{…}'` without a Content-Type) is refused (415) as such;
// - qs drops a form field or query parameter named `__proto__` without a word (a PATCH would answer
//   200 as an empty update): the names are recorded here, for completeValidation to refuse them.
import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import express, { type Request, type RequestHandler } from 'express';
import { ParseErrorCode, visit } from 'jsonc-parser';
import { ApiError } from '../core/errors.ts';
import { INVALID_UTF8_MESSAGE, invalidJsonAt, JSON_AS_FORM_MESSAGE, JSON_SCALAR_MESSAGE } from '../core/messages.ts';

function refuseInvalidUtf8(body: Buffer, charset: string): void {
  if (charset === 'utf-8' && !isUtf8(body)) throw new ApiError(400, INVALID_UTF8_MESSAGE);
}

/**
 * A form's percent-escapes must decode to UTF-8 as well (`%FF` is no text). A `%` that two hex digits
 * do not follow stays a literal percent sign, as qs reads it (`-d title=100%`).
 */
function refuseInvalidEscapes(form: string): void {
  try {
    decodeURIComponent(form.replace(/%(?![0-9a-f]{2})/gi, '%25'));
  } catch {
    throw new ApiError(400, INVALID_UTF8_MESSAGE);
  }
}

/**
 * A body that is a JSON object or array as a whole: never a form (a form's first field would be
 * named `{"…":`), but what `curl -d '{…}'` sends when the Content-Type header is left out.
 */
function refuseJsonAsForm(form: string): void {
  const text = form.trim();
  if (!text.startsWith('{') && !text.startsWith('[')) return;
  try {
    JSON.parse(text);
  } catch {
    return;
  }
  throw new ApiError(415, JSON_AS_FORM_MESSAGE);
}

function decodeComponent(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/**
 * The keys of a query string or form body that qs drops: any key with a `__proto__` segment
 * (`__proto__=1`, `task_files[0][__proto__]=1`), named as the validator names fields (`task_files.0.__proto__`).
 */
export function prototypeFields(encoded: string): string[] {
  const fields = new Set<string>();
  for (const pair of encoded.split('&')) {
    // As qs splits a pair: at `]=` when the key ends in brackets, otherwise at the first `=`.
    const bracketEquals = pair.indexOf(']=');
    const end = bracketEquals === -1 ? pair.indexOf('=') : bracketEquals + 1;
    const key = decodeComponent(end === -1 ? pair : pair.slice(0, end));
    const open = key.indexOf('[');
    const segments = open === -1
      ? [key]
      : [key.slice(0, open), ...[...key.slice(open).matchAll(/\[([^[\]]*)\]/g)].map((m) => m[1]!)];
    const at = segments.indexOf('__proto__');
    if (at !== -1) fields.add(segments.slice(0, at + 1).filter((s) => s !== '').join('.'));
  }
  return [...fields];
}

/**
 * What is wrong with a JSON body that body-parser refused. V8's own messages no longer say where
 * (`Unexpected token '}', "…" is not valid JSON`), so jsonc-parser (strict: no comments, no
 * trailing commas) finds the first offending character: its line and column are what an editor shows
 * (inside a string, such as a raw line break, it points at the string's opening quote).
 */
export function invalidJsonMessage(text: string): string {
  try {
    JSON.parse(text);
    // body-parser's strict mode refuses a valid JSON scalar.
    return JSON_SCALAR_MESSAGE;
  } catch {}
  let offset: number | undefined;
  visit(text, {
    onError: (error, errorOffset) => {
      // An unexpected end is reported where the text ends (jsonc-parser reports the last token).
      offset ??= error === ParseErrorCode.ValueExpected && errorOffset >= text.trimEnd().length ? text.length : errorOffset;
    },
  }, { disallowComments: true, allowTrailingComma: false });
  // Should the two parsers ever disagree, the end of the text is the honest answer.
  const before = text.slice(0, offset ?? text.length).split('\n');
  return invalidJsonAt(before.length, [...before.at(-1)!].length + 1);
}

const droppedFormFields = new WeakMap<IncomingMessage, string[]>();

/** The form fields of this request that qs dropped (see prototypeFields). */
export function formFieldsDropped(req: Request): string[] {
  return droppedFormFields.get(req) ?? [];
}

export function bodyParsers(limit: number): RequestHandler[] {
  return [
    express.json({ limit, verify: (_req, _res, body, charset) => refuseInvalidUtf8(body, charset) }),
    // `extended` parses `assigned[]=5` into arrays, as the documented curl examples send them.
    express.urlencoded({
      extended: true,
      limit,
      parameterLimit: 1000,
      verify: (req, _res, body, charset) => {
        refuseInvalidUtf8(body, charset);
        // The other charset a form may declare, iso-8859-1, gives every byte and escape a meaning.
        const form = body.toString(charset === 'utf-8' ? 'utf8' : 'latin1');
        if (charset === 'utf-8') refuseInvalidEscapes(form);
        refuseJsonAsForm(form);
        const dropped = prototypeFields(form);
        if (dropped.length > 0) droppedFormFields.set(req, dropped);
      },
    }),
  ];
}
