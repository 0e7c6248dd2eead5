// Writes dist/openapi.json from openapi/projects.yaml (run by `npm run build`): the server starts
// faster reading JSON than parsing YAML, and serves it at /openapi.json. The spec is first checked
// against the OpenAPI schema by express-openapi-validator's own checker, which the server then skips
// at start for this JSON (compiling and running that check was a third of the start-up time).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { OpenAPISchemaValidator } from 'express-openapi-validator/dist/framework/openapi.schema.validator.js';
import { parseSpecYaml, specJsonPath, specYaml } from '../server/contract/spec.ts';

const spec = await parseSpecYaml(specYaml);
const { errors } = new OpenAPISchemaValidator({ version: spec.openapi as string, validateApiSpec: true }).validate(spec as never);
if (errors && errors.length > 0) {
  process.stderr.write(`openapi/projects.yaml is not a valid OpenAPI document:\n${JSON.stringify(errors, null, 2)}\n`);
  process.exit(1);
}
mkdirSync(dirname(specJsonPath), { recursive: true });
writeFileSync(specJsonPath, JSON.stringify(spec));
