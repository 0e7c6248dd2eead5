// Decodes application/x-www-form-urlencoded bodies into the types the spec declares, before the
// validator sees them: a form carries only strings, while the contract speaks of integers, numbers,
// arrays and nulls. An empty value means "clear": null for a nullable field, [] for an array.
import type { NextFunction, Request, Response } from 'express';
import { listOperations, resolveSchema, typesOf, type JsonSchema, type OpenApiDocument } from './spec.ts';

const FORM = 'application/x-www-form-urlencoded';
/** What a form may send for a number: `12`, `-0.5`, `.5`, `1e3` (as String(number) writes them). */
const DECIMAL_LITERAL = /^\s*[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?\s*$/i;

function decode(doc: OpenApiDocument, rawSchema: JsonSchema | undefined, value: unknown): unknown {
  const schema = resolveSchema(doc, rawSchema);
  if (!schema || value === undefined) return value;
  const types = typesOf(schema);
  if (types.includes('array')) {
    if (value === '') return [];
    const list = Array.isArray(value) ? value.filter((v) => v !== '') : typeof value === 'string' ? [value] : value;
    return Array.isArray(list) ? list.map((v) => decode(doc, schema.items, v)) : list;
  }
  if (types.includes('object') && schema.properties && value && typeof value === 'object' && !Array.isArray(value)) {
    return decodeObject(doc, schema, value as Record<string, unknown>);
  }
  if (typeof value !== 'string') return value;
  if (value === '' && types.includes('null')) return null;
  if ((types.includes('integer') || types.includes('number')) && DECIMAL_LITERAL.test(value)) {
    return Number(value);
  }
  return value;
}

function decodeObject(doc: OpenApiDocument, schema: JsonSchema, body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) out[key] = decode(doc, schema.properties?.[key], value);
  return out;
}

interface FormRoute { method: string; pattern: RegExp; schema: JsonSchema }

export function formBodyDecoder(doc: OpenApiDocument) {
  const routes: FormRoute[] = listOperations(doc).flatMap(({ method, specPath, operation }) => {
    const schema = resolveSchema(doc, operation.requestBody?.content[FORM]?.schema);
    if (!schema) return [];
    const pattern = new RegExp(`^${specPath.replace(/\{\w+\}/g, '[^/]+')}/?$`);
    return [{ method: method.toUpperCase(), pattern, schema }];
  });
  return (req: Request, _res: Response, next: NextFunction): void => {
    if (req.is(FORM) && req.body && typeof req.body === 'object') {
      const route = routes.find((r) => r.method === req.method && r.pattern.test(req.path));
      if (route) req.body = decodeObject(doc, route.schema, req.body as Record<string, unknown>);
    }
    next();
  };
}
