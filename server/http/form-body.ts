// Decodes application/x-www-form-urlencoded bodies into the types the spec declares, before the
// validator sees them: a form carries only strings, while the contract speaks of integers, numbers,
// arrays and nulls. An empty value means "clear": null for a nullable field, [] for an array.
// In a JSON body, an empty string means null too where no string could be meant: for a nullable
// field that is not free text (`"manager": ""`, `"project_date_due": ""`), as the Grow page's
// "empty/null" reads. Free text keeps its empty string.
import type { NextFunction, Request, Response } from 'express';
import { composedSchema, listOperations, resolveSchema, typesOf, type JsonSchema, type OpenApiDocument } from '../contract/spec.ts';

const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';
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

/** A nullable field for which "" can only mean null: it is no string, or a string of some format (a date). */
function emptyMeansNull(schema: JsonSchema | undefined): boolean {
  const types = typesOf(schema);
  return types.includes('null') && (!types.includes('string') || schema?.format !== undefined);
}

/** In place: a JSON body may hold an own `__proto__` key, which copying by assignment would turn into a prototype. */
function decodeJsonObject(doc: OpenApiDocument, schema: JsonSchema, body: Record<string, unknown>): Record<string, unknown> {
  for (const [key, value] of Object.entries(body)) {
    if (value === '' && emptyMeansNull(resolveSchema(doc, schema.properties?.[key]))) body[key] = null;
  }
  return body;
}

interface BodyRoute { method: string; pattern: RegExp; media: typeof FORM | typeof JSON_TYPE; schema: JsonSchema }

export function formBodyDecoder(doc: OpenApiDocument) {
  const routes: BodyRoute[] = listOperations(doc).flatMap(({ method, specPath, operation }) => {
    const pattern = new RegExp(`^${specPath.replace(/\{\w+\}/g, '[^/]+')}/?$`);
    return ([FORM, JSON_TYPE] as const).flatMap((media) => {
      const schema = composedSchema(doc, operation.requestBody?.content[media]?.schema);
      return schema ? [{ method: method.toUpperCase(), pattern, media, schema }] : [];
    });
  });
  return (req: Request, _res: Response, next: NextFunction): void => {
    const media = req.is(FORM) ? FORM : req.is(JSON_TYPE) ? JSON_TYPE : undefined;
    if (media && req.body && typeof req.body === 'object' && !Array.isArray(req.body)) {
      const route = routes.find((r) => r.media === media && r.method === req.method && r.pattern.test(req.path));
      const body = req.body as Record<string, unknown>;
      if (route) req.body = media === FORM ? decodeObject(doc, route.schema, body) : decodeJsonObject(doc, route.schema, body);
    }
    next();
  };
}
