// fast-check arbitraries built from the spec's own schemas, for the subset of JSON Schema it uses.
import fc from 'fast-check';
import { composedSchema, loadSpec, resolveSchema, type JsonSchema } from '../../server/contract/spec.ts';

const doc = loadSpec();
/** A named schema, its `allOf` parts composed (ProjectCreateBody: its own field and ProjectFields'). */
export const schemaNamed = (name: string): JsonSchema => composedSchema(doc, doc.components.schemas[name])!;

/** Text the API stores as sent: any code point but NUL (surrogates are never produced alone). */
const codePoint = fc.integer({ min: 1, max: 0x10ffff })
  .filter((cp) => cp < 0xd800 || cp > 0xdfff)
  .map((cp) => String.fromCodePoint(cp));

const calendarDate = fc
  .date({ min: new Date('1000-01-01T00:00:00Z'), max: new Date('9999-12-31T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));

function typesOf(schema: JsonSchema): string[] {
  return schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
}

export function arbitraryFor(raw: JsonSchema): fc.Arbitrary<unknown> {
  const schema = resolveSchema(doc, raw)!;
  const types = typesOf(schema);
  const nonNull = types.filter((t) => t !== 'null');
  const value = ((): fc.Arbitrary<unknown> => {
    if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
    switch (nonNull[0]) {
      case 'string':
        if (schema.format === 'date') return calendarDate;
        if (schema.format === 'uri') return fc.webUrl({ validSchemes: ['https'] }).filter((u) => u.length <= 2000);
        if (schema.format === 'email') return fc.emailAddress();
        return fc.string({ unit: codePoint, minLength: (schema.minLength as number) ?? 0, maxLength: Math.min((schema.maxLength as number) ?? 300, 300) })
          .filter((text) => typeof schema.pattern !== 'string' || new RegExp(schema.pattern, 'u').test(text));
      case 'integer':
        return fc.integer({ min: (schema.minimum as number) ?? -1000, max: (schema.maximum as number) ?? 1000 });
      case 'number':
        return fc.double({ min: (schema.minimum as number) ?? -1e6, max: (schema.maximum as number) ?? 1e6, noNaN: true, noDefaultInfinity: true })
          .map((n) => (Object.is(n, -0) ? 0 : n));
      case 'array':
        return fc.array(arbitraryFor(schema.items!), { maxLength: Math.min((schema.maxItems as number) ?? 10, 10) });
      case 'object':
        return objectFor(schema);
      default:
        throw new Error(`No arbitrary for ${JSON.stringify(schema)}`);
    }
  })();
  return types.includes('null') ? fc.option(value, { nil: null }) : value;
}

function objectFor(schema: JsonSchema): fc.Arbitrary<Record<string, unknown>> {
  const properties = Object.fromEntries(Object.entries(schema.properties ?? {}).map(([k, v]) => [k, arbitraryFor(v)]));
  return fc.record(properties, { requiredKeys: (schema.required as string[]) ?? [] }) as fc.Arbitrary<Record<string, unknown>>;
}

/** Valid bodies for a named schema, with some properties drawn from given arbitraries instead. */
export function bodiesFor(name: string, overrides: Record<string, fc.Arbitrary<unknown>> = {}) {
  const schema = schemaNamed(name);
  const required = (schema.required as string[]) ?? [];
  const properties = Object.fromEntries(Object.entries(schema.properties ?? {}).map(([k, v]) => [k, overrides[k] ?? arbitraryFor(v)]));
  return fc.record(properties, { requiredKeys: required }) as fc.Arbitrary<Record<string, unknown>>;
}
