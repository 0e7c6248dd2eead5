// Completes the schema validator's verdict, so that one 422 names every bad field of a request. Checked
// after the validator, whether it passed or failed:
// - numbers it lets through as infinite: Ajv coerces `Infinity`, `1e309` or an id of 309 digits to
//   ±Infinity and then checks no range, so `limit=Infinity` reached the database as a 500;
// - path ids not in canonical decimal form: it reads `0x10`, `1e3`, `1.0`, `+1` and `01` as numbers, and
//   an id that names a resource must have one spelling (`DELETE /api/projects/01` deleted project 1);
// - fields that qs drops without a word (`__proto__`), in the query string or a form body;
// - when anything failed, the operation's body checks (handlers/checks.ts) on the fields that passed,
//   so that a missing title and an unknown client are reported together. When nothing failed, the
//   handler runs those checks itself, in its transaction.
import type { NextFunction, Request, Response } from 'express';
import { formFieldsDropped, prototypeFields } from './body.ts';
import type { Database } from '../platform/database/connection.ts';
import { inOrganization } from '../platform/database/tenancy.ts';
import type { Caller } from '../core/access.ts';
import { emptyFieldErrors, FieldErrorCollector, type FieldErrors } from '../core/errors.ts';
import { fieldAtLeast, fieldAtMost, fieldNotAllowed, fieldType, parameterNotSupported } from '../core/messages.ts';
import { bodyChecks } from '../projects/rules.ts';
import type { BodyCheck, BodyCheckRegistry, OperationId } from '../contract/operations.ts';
import { listOperations, resolveSchema, typesOf, type JsonSchema, type OpenApiDocument, type RoutedOperation } from '../contract/spec.ts';
import { isSchemaFailure, schemaFailureErrors } from './errors.ts';

/** What express-openapi-validator records on a request whose route it matched. */
interface MatchedRequest { openapi?: { schema?: { operationId?: string } } }

/** The message the validator gives a finite number past the same bound. */
function infiniteMessage(name: string, schema: JsonSchema, value: number): string {
  if (value > 0 && typeof schema.maximum === 'number') return fieldAtMost(name, schema.maximum);
  if (value < 0 && typeof schema.minimum === 'number') return fieldAtLeast(name, schema.minimum);
  return fieldType(name, [typesOf(schema).includes('integer') ? 'integer' : 'number']);
}

function asNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  return typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
}

/**
 * A path id as the spec writes it: decimal digits without a leading zero (the schema's range is the
 * validator's to check). Every path parameter of the contract is an id, and this is the one check.
 */
const canonicalId = /^[1-9][0-9]*$/;

/** Checks the path ids and numeric query parameters; returns the path ids that are valid. */
function checkParameters(doc: OpenApiDocument, req: Request, route: RoutedOperation, errors: FieldErrorCollector): Record<string, number> {
  const ids: Record<string, number> = {};
  const actual = req.path.split('/');
  route.expressPath.split('/').forEach((segment, index) => {
    if (!segment.startsWith(':')) return;
    const name = segment.slice(1);
    const raw = actual[index] ?? '';
    if (errors.has(name)) return;
    if (!canonicalId.test(raw)) errors.add(name, fieldType(name, ['integer']));
    else ids[name] = Number(raw);
  });
  for (const parameter of route.parameters) {
    const schema = resolveSchema(doc, parameter.schema);
    if (!schema || !typesOf(schema).some((t) => t === 'integer' || t === 'number') || errors.has(parameter.name)) continue;
    const value = parameter.in === 'path' ? ids[parameter.name] : parameter.in === 'query' ? asNumber((req.query as Record<string, unknown>)[parameter.name]) : Number.NaN;
    if (value === Infinity || value === -Infinity) {
      errors.add(parameter.name, infiniteMessage(parameter.name, schema, value));
      delete ids[parameter.name];
    }
  }
  return ids;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The body's top-level fields that the schema accepted: no error names them or anything inside them.
 * A list whose errors name only some of its items (`assigned.0`) is kept, so that its other items
 * are checked too; a check skips the items that an error names.
 */
function passedFields(body: Record<string, unknown>, errors: FieldErrorCollector): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).filter(([field, value]) => (Array.isArray(value) ? !errors.has(field) : !errors.touches(field))));
}

export function completeValidation(doc: OpenApiDocument, db: Database) {
  const routes = new Map(listOperations(doc).map((route) => [route.operation.operationId, route]));
  const checks: BodyCheckRegistry = bodyChecks;

  /** The schema's errors and everything else wrong with the request, body checks included once anything is. */
  async function collect(req: Request, res: Response, route: RoutedOperation, schemaErrors: FieldErrors): Promise<FieldErrorCollector> {
    const errors = new FieldErrorCollector(schemaErrors);
    const path = checkParameters(doc, req, route, errors);
    const query = req.originalUrl.split('?').slice(1).join('?');
    const supported = route.parameters.filter((p) => p.in === 'query').map((p) => p.name);
    for (const field of prototypeFields(query)) errors.add(field, parameterNotSupported(field, supported));
    for (const field of formFieldsDropped(req)) errors.add(field, fieldNotAllowed(field));
    if (errors.isEmpty) return errors;
    const check = checks[route.operation.operationId as OperationId] as BodyCheck<OperationId> | undefined;
    if (check && isPlainObject(req.body)) {
      // The rows a body refers to are looked up in the caller's organization.
      const { organizationId } = (res.locals as { caller: Caller }).caller;
      await inOrganization(organizationId, () => check(db.prisma, { path, body: passedFields(req.body, errors) } as Parameters<BodyCheck<OperationId>>[1], errors));
    }
    return errors;
  }

  /** The operation the validator matched; none for a path outside the contract, which goes on to the 404. */
  const routeOf = (req: Request) => routes.get((req as MatchedRequest).openapi?.schema?.operationId ?? '');

  return [
    async (req: Request, res: Response, next: NextFunction): Promise<void> => {
      const route = routeOf(req);
      if (route) (await collect(req, res, route, emptyFieldErrors())).throwIfAny();
      next();
    },
    async (error: unknown, req: Request, res: Response, next: NextFunction): Promise<void> => {
      const route = routeOf(req);
      if (!isSchemaFailure(error) || !route) return next(error);
      (await collect(req, res, route, schemaFailureErrors(error, req, { doc, operation: route }))).throwIfAny();
      next(error);
    },
  ];
}
