// Checks every string a request carries before anything else reads it:
// - PostgreSQL text cannot hold NUL characters, and a lone UTF-16 surrogate cannot be stored as
//   UTF-8 without being replaced: both are refused with a 422 naming the field;
// - no body of this API nests deeper than a few levels: a deeper one is refused with a 400.
// The walk is iterative, so no nesting depth can exhaust the call stack.
import type { NextFunction, Request, Response } from 'express';
import { ApiError, FieldErrorCollector } from '../core/errors.ts';
import { fieldInvalidText, TOO_DEEP_MESSAGE } from '../core/messages.ts';

/** Deeper than any body or query of the contract (the deepest is `task_files.0.file_name`). */
const MAX_DEPTH = 32;

function checkText(root: unknown, errors: FieldErrorCollector): void {
  const pending: { value: unknown; field: string; depth: number }[] = [{ value: root, field: '', depth: 0 }];
  while (pending.length > 0) {
    const { value, field, depth } = pending.pop()!;
    if (depth > MAX_DEPTH) throw new ApiError(400, TOO_DEEP_MESSAGE);
    if (typeof value === 'string') {
      if (value.includes('\u0000') || !value.isWellFormed()) {
        errors.add(field, fieldInvalidText(field));
      }
    } else if (value && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) {
        pending.push({ value: inner, field: field ? `${field}.${key}` : key, depth: depth + 1 });
      }
    }
  }
}

export function refuseMalformedText(req: Request, _res: Response, next: NextFunction): void {
  const errors = new FieldErrorCollector();
  checkText(req.query, errors);
  checkText(req.body, errors);
  errors.throwIfAny();
  next();
}
