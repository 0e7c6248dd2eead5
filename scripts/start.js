// `npm start`: runs the compiled server (dist/app), building it first when the build is missing or
// older than the sources (a fresh checkout copied without dist/, or sources edited since the last
// build), so that what runs is always what the sources say. Plain JavaScript: it must run before
// anything is compiled, on every supported Node.
// package.json starts it with `--max-semi-space-size=4`: V8's default young generation (16 MB
// semi-spaces) let the heap grow to ~250 MB under load; 4 MB ones keep the process ~100 MB smaller
// at the same CPU per request (measured under the benchmark's W1 and W2 load: RSS 365 → 260 MB).
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import module from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// The build's last output: it is newer than every source when the build is complete and current.
const buildStamp = join(root, 'dist/docs/index.html');
const sources = ['server', 'generated', 'scripts', 'openapi', 'prisma'];

function newestModification(path) {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestModification(join(path, entry)));
  return newest;
}

const builtAt = statSync(buildStamp, { throwIfNoEntry: false })?.mtimeMs ?? 0;
const sourcesChangedAt = Math.max(...sources.map((source) => newestModification(join(root, source))));
if (builtAt < sourcesChangedAt) {
  process.stderr.write(builtAt === 0 ? 'Building the server (no build yet)…\n' : 'Rebuilding the server (sources changed since the last build)…\n');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const build = spawnSync(npm, ['run', '-s', 'build'], { cwd: root, stdio: ['ignore', 2, 2], shell: process.platform === 'win32' });
  if (build.status !== 0) {
    process.stderr.write('The build failed (above). With a production install (no dev dependencies), build where they are installed and ship dist/.\n');
    process.exit(1);
  }
}

// V8's compiled code for every module, kept on disk (in the system's temporary directory) from one
// start to the next: compiling the server's modules was a tenth of its start-up. Node 22.1+; where
// the directory cannot be written, the server starts as before.
module.enableCompileCache?.();
await import('../dist/app/server/main.js');
