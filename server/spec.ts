// The contract, loaded once: served at /openapi.yaml and /openapi.json, handed to the validator,
// and walked to route operations and decode form bodies.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export const specPath = new URL('../openapi/projects.yaml', import.meta.url).pathname;
export const specYaml = readFileSync(specPath, 'utf8');

export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  allOf?: JsonSchema[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  [key: string]: unknown;
}

interface MediaType { schema?: JsonSchema }
export interface SpecParameter { name: string; in: 'query' | 'path' | 'header' | 'cookie'; schema?: JsonSchema }
type ParameterOrRef = SpecParameter | { $ref: string };
export interface SpecOperation {
  operationId: string;
  parameters?: ParameterOrRef[];
  requestBody?: { content: Record<string, MediaType> };
}
export interface OpenApiDocument {
  paths: Record<string, Record<string, unknown> & { parameters?: ParameterOrRef[] }>;
  components: { schemas: Record<string, JsonSchema>; parameters?: Record<string, SpecParameter> };
  [key: string]: unknown;
}

/** A fresh parsed copy each call: the validator mutates the document it is given. */
export function loadSpec(): OpenApiDocument {
  return parse(specYaml, { maxAliasCount: -1 }) as OpenApiDocument;
}

export const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export interface RoutedOperation {
  method: HttpMethod;
  specPath: string;
  /** `/api/projects/{id}` → `/api/projects/:id` */
  expressPath: string;
  operation: SpecOperation;
  /** The path item's parameters and the operation's own (which win), references resolved. */
  parameters: SpecParameter[];
}

function resolveParameter(doc: OpenApiDocument, parameter: ParameterOrRef): SpecParameter {
  if (!('$ref' in parameter)) return parameter;
  const resolved = doc.components.parameters?.[parameter.$ref.replace('#/components/parameters/', '')];
  if (!resolved) throw new Error(`Unresolvable parameter ${parameter.$ref}`);
  return resolved;
}

export function listOperations(doc: OpenApiDocument): RoutedOperation[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    HTTP_METHODS.filter((m) => item[m]).map((method) => {
      const operation = item[method] as SpecOperation;
      const own = (operation.parameters ?? []).map((p) => resolveParameter(doc, p));
      const inherited = (item.parameters ?? []).map((p) => resolveParameter(doc, p))
        .filter((p) => !own.some((o) => o.name === p.name && o.in === p.in));
      return { method, specPath: path, expressPath: path.replace(/\{(\w+)\}/g, ':$1'), operation, parameters: [...inherited, ...own] };
    }),
  );
}

/** The JSON types a schema allows (`type: [integer, 'null']` → both), or [] when it does not say. */
export function typesOf(schema: JsonSchema | undefined): string[] {
  const type = schema?.type;
  return type === undefined ? [] : Array.isArray(type) ? type : [type];
}

/** Follows `$ref`s and single-schema `allOf` wrappers to the schema that says what a value is. */
export function resolveSchema(doc: OpenApiDocument, schema: JsonSchema | undefined): JsonSchema | undefined {
  let current = schema;
  for (let depth = 0; current && depth < 20; depth++) {
    if (current.$ref) {
      current = doc.components.schemas[current.$ref.replace('#/components/schemas/', '')];
    } else if (current.allOf?.length === 1) {
      current = current.allOf[0];
    } else {
      return current;
    }
  }
  return current;
}
