// Writes dist/openapi.json from openapi/projects.yaml (run by `npm run build`): the server starts
// faster reading JSON than parsing YAML, and serves it at /openapi.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseSpecYaml, specJsonPath, specYaml } from '../server/spec.ts';

mkdirSync(dirname(specJsonPath), { recursive: true });
writeFileSync(specJsonPath, JSON.stringify(await parseSpecYaml(specYaml)));
