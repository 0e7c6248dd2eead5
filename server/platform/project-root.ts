// The project's root directory, whether this code runs from the source tree (`server/`) or from
// the compiled one (`dist/app/server/`): files such as the spec and the migrations are found from it.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function nearestPackageDirectory(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`No package.json above ${start}.`);
  }
}

export const projectRoot = nearestPackageDirectory(dirname(fileURLToPath(import.meta.url)));
