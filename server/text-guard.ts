// PostgreSQL text cannot hold NUL characters, and a lone UTF-16 surrogate cannot be stored as
// UTF-8 without being replaced: refuse both, naming the field, instead of failing in the database.
import type { NextFunction, Request, Response } from 'express';
import { FieldErrorCollector, fieldLabel } from './errors.ts';

function findMalformed(value: unknown, field: string, errors: FieldErrorCollector): void {
  if (typeof value === 'string') {
    if (value.includes('\u0000') || !value.isWellFormed()) {
      errors.add(field, `The ${fieldLabel(field)} field must be valid text (no NUL characters or broken Unicode).`);
    }
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => findMalformed(item, field ? `${field}.${index}` : String(index), errors));
  } else if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) findMalformed(inner, field ? `${field}.${key}` : key, errors);
  }
}

export function refuseMalformedText(req: Request, _res: Response, next: NextFunction): void {
  const errors = new FieldErrorCollector();
  findMalformed(req.query, '', errors);
  findMalformed(req.body, '', errors);
  errors.throwIfAny();
  next();
}
