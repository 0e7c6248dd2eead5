// Checks a response against the contract: the status must be declared for the operation that
// the method and path select, and the body must match that response's schema.
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsPlugin from 'ajv-formats';
import { listOperations, loadSpec } from '../../server/contract/spec.ts';

const doc = loadSpec();
const ajv = new Ajv2020({ strict: false, allErrors: true });
(addFormatsPlugin as unknown as (a: Ajv2020) => void)(ajv);
ajv.addSchema(doc as object, 'spec');

const escapePointer = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

interface ResponseObject { $ref?: string; content?: Record<string, unknown> }
export const routes = listOperations(doc).map((r) => ({
  ...r,
  pattern: new RegExp(`^${r.specPath.replace(/\{\w+\}/g, '[^/]+')}$`),
  responses: (r.operation as unknown as { responses: Record<string, ResponseObject> }).responses,
}));

export function findOperation(method: string, pathname: string) {
  return routes.find((r) => r.method === method.toLowerCase() && r.pattern.test(pathname));
}

/** Problems with this response, or [] when it is what the spec says. Routes outside the spec are not checked. */
export function contractProblems(method: string, url: string, status: number, body: unknown): string[] {
  const route = findOperation(method, new URL(url, 'http://x').pathname);
  if (!route) return [];
  const declared = route.responses[String(status)];
  if (!declared) return [`${route.operation.operationId} answered ${status}, which the spec does not declare`];
  const shared = (doc.components as { responses?: Record<string, ResponseObject> }).responses ?? {};
  const resolved = declared.$ref ? shared[declared.$ref.split('/').pop()!] : declared;
  // A response without content (304): there is no body to check.
  if (!resolved?.content) return body === '' || body === undefined ? [] : [`${route.operation.operationId} ${status} has a body, which the spec does not declare`];
  const pointer = declared.$ref
    ? `spec${declared.$ref}/content/application~1json/schema`
    : `spec#/paths/${escapePointer(route.specPath)}/${route.method}/responses/${status}/content/application~1json/schema`;
  if (!ajv.validate({ $ref: pointer }, body)) {
    return (ajv.errors ?? []).map((e) => `${route.operation.operationId} ${status}: ${e.instancePath || '/'} ${e.message}`);
  }
  return [];
}
