// The contract, parsed once, for tests that walk it.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export interface SpecMediaType { schema?: unknown; example?: unknown; examples?: unknown }
export interface SpecOperation {
  operationId: string;
  summary: string;
  description: string;
  tags?: string[];
  method: string;
  path: string;
  requestBody?: { content: Record<string, SpecMediaType> };
  responses: Record<string, { content?: Record<string, SpecMediaType> }>;
}

export const spec = parse(readFileSync(new URL('../../openapi/projects.yaml', import.meta.url), 'utf8'), { maxAliasCount: -1 }) as {
  info: { title: string; version: string };
  paths: Record<string, Record<string, unknown>>;
  components: Record<string, Record<string, unknown>>;
};

const methods = ['get', 'post', 'put', 'patch', 'delete'];
export const operations: SpecOperation[] = Object.entries(spec.paths).flatMap(([path, item]) =>
  methods.filter((m) => item[m]).map((method) => ({ ...(item[method] as SpecOperation), method, path })),
);
