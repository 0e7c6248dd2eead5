// `npm start`: runs the compiled server (dist/app), building it first when the build is missing or
// older than the sources (a fresh checkout copied without dist/, or sources edited since the last
// build), so that what runs is always what the sources say. Plain JavaScript: it must run before
// anything is compiled, on every supported Node.
// package.json starts it with `--max-semi-space-size=4`: V8's default young generation (16 MB
// semi-spaces) let the heap grow to ~250 MB under load; 4 MB ones keep the process ~100 MB smaller
// at the same CPU per request (measured under the benchmark's W1 and W2 load: RSS 365 → 260 MB).
// And with `--liftoff-only`: V8 compiles WebAssembly (the embedded PostgreSQL, Prisma's query
// compiler) with its baseline compiler only. Its optimizing compiler, run on whatever code turns
// hot, took 300–600 MB at its peak, of which ~120 MB stayed resident (README, Memory). And with
// `--heap-growing-percent=150`: after a full collection V8 lets the old generation grow to 2.5 times
// what survived, where its own choice (up to 4 times, more as allocation is faster) held three times
// what was alive after the benchmark's load (README, Performance). These flags must be on the
// command line: V8 ignores them once the process runs.
import { spawnSync } from 'node:child_process';
import module from 'node:module';
import { buildState, root } from './build-freshness.js';

const sources = ['server', 'generated', 'scripts', 'openapi', 'prisma'];

const state = buildState(sources);
if (state !== 'current') {
  process.stderr.write(state === 'none' ? 'Building the server (no build yet)…\n' : 'Rebuilding the server (sources changed since the last build)…\n');
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
