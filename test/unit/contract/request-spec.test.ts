// The spec as the request validator is given it (server/contract/spec.ts requestSpec).
import { describe, expect, it } from 'vitest';
import { HTTP_METHODS, loadSpec, requestSpec } from '../../../server/contract/spec.ts';

/** Every object under `node` that holds a `$ref`, walking shared objects once. */
function references(node: unknown, found: object[] = [], seen = new Set<object>()): object[] {
  if (!node || typeof node !== 'object' || seen.has(node)) return found;
  seen.add(node);
  for (const [key, value] of Object.entries(node)) {
    if (key === '$ref' && typeof value === 'string') found.push(node);
    else references(value, found, seen);
  }
  return found;
}

describe('the request validator\'s spec', () => {
  const doc = requestSpec();

  it('keeps no answer schemas', () => {
    for (const item of Object.values(doc.paths)) {
      for (const method of HTTP_METHODS) {
        const operation = item[method] as { responses?: Record<string, unknown> } | undefined;
        if (operation) expect(Object.keys(operation.responses ?? {})).toEqual(['default']);
      }
    }
  });

  it('has every reference under its paths replaced by the component it names, that same object', () => {
    expect(references(loadSpec().paths).length).toBeGreaterThan(0);
    // A reference beside keywords of its own (OpenAPI 3.1 allows a description there) is left to the validator.
    expect(references(doc.paths).filter((node) => Object.keys(node).length === 1)).toEqual([]);
    const body = (doc.paths['/api/projects']!.post as { requestBody: { content: Record<string, { schema: unknown }> } }).requestBody.content['application/json']!.schema;
    const original = (loadSpec().paths['/api/projects']!.post as { requestBody: { content: Record<string, { schema: { $ref?: string } }> } }).requestBody.content['application/json']!.schema;
    const name = original.$ref!.split('/').at(-1)!;
    expect(body).toBe((doc.components as unknown as { schemas: Record<string, unknown> }).schemas[name]);
  });
});
