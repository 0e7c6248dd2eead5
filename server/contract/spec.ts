// The contract, loaded once: served at /openapi.yaml and /openapi.json, handed to the validator,
// and walked to route operations and decode form bodies.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SCOPES, type Scope } from '../core/access.ts';
import { projectRoot } from '../platform/project-root.ts';

export const specPath = join(projectRoot, 'openapi/projects.yaml');
/** The spec as JSON, written by `npm run build` (scripts/build-spec.ts). */
export const specJsonPath = join(projectRoot, 'dist/openapi.json');
export const specYaml = readFileSync(specPath, 'utf8');

export async function parseSpecYaml(yaml: string): Promise<OpenApiDocument> {
  const { parse } = await import('yaml');
  return parse(yaml, { maxAliasCount: -1 }) as OpenApiDocument;
}

/**
 * Loading the YAML parser and parsing the spec is a fifth of the start-up time: the build's JSON is
 * used unless the YAML is newer (as while editing it).
 */
async function readSpec(): Promise<{ doc: OpenApiDocument; fromBuild: boolean }> {
  try {
    if (statSync(specJsonPath).mtimeMs >= statSync(specPath).mtimeMs) {
      return { doc: JSON.parse(readFileSync(specJsonPath, 'utf8')) as OpenApiDocument, fromBuild: true };
    }
  } catch {
    // not built: parse the YAML
  }
  return { doc: await parseSpecYaml(specYaml), fromBuild: false };
}

export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  allOf?: JsonSchema[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  [key: string]: unknown;
}

interface MediaType { schema?: JsonSchema }
export interface SpecParameter { name: string; in: 'query' | 'path' | 'header' | 'cookie'; style?: string; schema?: JsonSchema }
type ParameterOrRef = SpecParameter | { $ref: string };
export interface SpecOperation {
  operationId: string;
  parameters?: ParameterOrRef[];
  requestBody?: { content: Record<string, MediaType> };
  security?: Record<string, string[]>[];
}
export interface OpenApiDocument {
  paths: Record<string, Record<string, unknown> & { parameters?: ParameterOrRef[] }>;
  components: { schemas: Record<string, JsonSchema>; parameters?: Record<string, SpecParameter> };
  [key: string]: unknown;
}

const { doc: parsedSpec, fromBuild } = await readSpec();
/**
 * True when the spec was read from the build's JSON, which the build has checked against the
 * OpenAPI schema with the validator's own checker (scripts/build-spec.ts).
 */
export const specCheckedByBuild = fromBuild;
/** The spec as JSON text, served at /openapi.json. */
export const specJson = JSON.stringify(parsedSpec);

/** A copy of the parsed spec (parsed once per process): the validator mutates the document it is given. */
export function loadSpec(): OpenApiDocument {
  return structuredClone(parsedSpec);
}

/**
 * The spec as the validator needs it to check requests only: without what answers look like (each
 * operation's responses, the webhooks' payloads) and the component schemas that only those use. Its
 * preparation of a schema costs the same whether or not responses are validated, and the answers'
 * schemas were two thirds of the components: 0.35-0.5 s of every start-up.
 */
export function requestSpec(): OpenApiDocument {
  const doc = loadSpec();
  delete doc.webhooks;
  for (const item of Object.values(doc.paths)) {
    for (const method of HTTP_METHODS) {
      const operation = item[method] as { responses?: unknown; parameters?: { name?: string }[] } | undefined;
      if (operation?.responses) operation.responses = { default: { description: 'Not validated.' } };
      // `filter[progress][gte]` and the like spell out the `filter` grammar for generated clients; the
      // query parser nests every such name into `filter`, whose schema checks it, so the validator
      // never sees them (and preparing their schemas doubled the first list request's time).
      if (operation?.parameters) operation.parameters = operation.parameters.filter((parameter) => !parameter.name?.includes('['));
    }
  }
  const components = doc.components as unknown as Record<string, Record<string, unknown>>;
  const used = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key !== '$ref' || typeof value !== 'string') walk(value);
        else if (!used.has(value)) {
          used.add(value);
          walk(componentNamed(components, value));
        }
      }
    }
  };
  walk(doc.paths);
  for (const [section, entries] of Object.entries(components)) {
    if (section === 'securitySchemes') continue;
    for (const name of Object.keys(entries)) if (!used.has(`#/components/${section}/${name}`)) delete entries[name];
  }
  inlineReferences(doc.paths, components);
  return doc;
}

/** The component a reference names (`#/components/<section>/<name>`), if the document has it. */
function componentNamed(components: Record<string, Record<string, unknown>>, ref: string): unknown {
  const [, , section, name] = ref.split('/');
  return components[section!]?.[name!];
}

/**
 * Replaces each `$ref` under `node` by the object it names (shared, not copied): the validator
 * resolves a `$ref` by compiling its target with Ajv while it prepares the spec, which was most of
 * its preparation. A reference beside keywords of its own (a description), and one to a schema
 * that encloses it, are left to the validator.
 */
function inlineReferences(node: unknown, components: Record<string, Record<string, unknown>>, within = new Set<object>()): void {
  if (!node || typeof node !== 'object' || within.has(node)) return;
  within.add(node);
  const entries = Array.isArray(node) ? node.entries() : Object.entries(node);
  for (const [key, value] of entries) {
    let target: unknown = value;
    const seen = new Set<string>();
    while (target && typeof target === 'object' && typeof (target as { $ref?: unknown }).$ref === 'string' && Object.keys(target).length === 1) {
      const ref = (target as { $ref: string }).$ref;
      const resolved = componentNamed(components, ref);
      if (!resolved || seen.has(ref)) break;
      seen.add(ref);
      target = resolved;
    }
    if (target !== value && !within.has(target as object)) (node as Record<string | number, unknown>)[key as string] = target;
    inlineReferences(target, components, within);
  }
  within.delete(node);
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

/** The scope an operation needs (its `bearerAuth` security requirement), or undefined when any valid key may call it. */
export function requiredScope(operation: SpecOperation): Scope | undefined {
  const scopes = operation.security?.flatMap((requirement) => requirement.bearerAuth ?? []) ?? [];
  if (scopes.length > 1) throw new Error(`${operation.operationId}: one scope per operation`);
  const [scope] = scopes;
  if (scope !== undefined && !SCOPES.includes(scope as Scope)) throw new Error(`${operation.operationId}: unknown scope ${scope}`);
  return scope as Scope | undefined;
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

/**
 * A schema composed with `allOf` as the one object schema it amounts to: its own properties first,
 * then those of each part in order, and every part's required fields. ProjectCreateBody is a part
 * with `project_clientid` and the shared ProjectFields, so what walks a body (form decoding,
 * messages) finds all of its fields. A schema without object parts resolves as resolveSchema does.
 */
export function composedSchema(doc: OpenApiDocument, schema: JsonSchema | undefined): JsonSchema | undefined {
  let own = schema;
  for (let depth = 0; own?.$ref && depth < 20; depth++) own = doc.components.schemas[own.$ref.replace('#/components/schemas/', '')];
  if (!own?.allOf) return resolveSchema(doc, own);
  const parts = own.allOf.map((part) => composedSchema(doc, part));
  if (!own.properties && !parts.some((part) => part?.properties)) return resolveSchema(doc, own);
  const { allOf: _parts, ...rest } = own;
  const required = [...new Set([own, ...parts].flatMap((part) => (Array.isArray(part?.required) ? part.required as string[] : [])))];
  return {
    ...rest,
    type: 'object',
    properties: Object.assign({}, own.properties, ...parts.map((part) => part?.properties)),
    ...(required.length > 0 ? { required } : {}),
  };
}

/**
 * The schema of the value at `segments` (property names and array indexes) inside a value of
 * `schema`, each step resolved as resolveSchema does; undefined where the schema says nothing.
 */
export function schemaAt(doc: OpenApiDocument, schema: JsonSchema | undefined, segments: readonly string[]): JsonSchema | undefined {
  let current = resolveSchema(doc, schema);
  for (const segment of segments) {
    if (!current) return undefined;
    current = resolveSchema(doc, typesOf(current).includes('array') ? current.items : current.properties?.[segment]);
  }
  return current;
}
