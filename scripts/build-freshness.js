// Whether the build (`npm run build`) is older than its sources, by modification times. Plain
// JavaScript: `npm start` (scripts/start.js) asks it before anything is compiled, on every supported Node.
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// The build's last output: it is newer than every source when the build is complete and current.
const buildStamp = join(root, 'dist/docs/index.html');

/** The newest modification time under `path` (0 when it does not exist), leaving out build outputs and installed packages. */
function newestModification(path) {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (entry === 'dist' || entry === 'node_modules') continue;
    newest = Math.max(newest, newestModification(join(path, entry)));
  }
  return newest;
}

/** 'none' when there is no build, 'stale' when a source (paths relative to the root) changed after it, else 'current'. */
export function buildState(sources) {
  const builtAt = statSync(buildStamp, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  if (builtAt === 0) return 'none';
  const sourcesChangedAt = Math.max(...sources.map((source) => newestModification(join(root, source))));
  return builtAt < sourcesChangedAt ? 'stale' : 'current';
}
