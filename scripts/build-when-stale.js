// `npm run build`, only when the build is missing or older than anything it is built from (npm test
// runs this): the server and commands, the typed client, the spec's JSON and the docs page.
import { spawnSync } from 'node:child_process';
import { buildState, root } from './build-freshness.js';

const sources = [
  'server', 'generated', 'scripts', 'openapi', 'prisma', 'client',
  'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.server.json', 'redocly.yaml',
];
const state = buildState(sources);
if (state === 'current') {
  process.stderr.write('The build is current (dist/ is newer than its sources): not rebuilt.\n');
} else {
  const build = spawnSync('npm', ['run', '-s', 'build'], { cwd: root, stdio: 'inherit' });
  process.exit(build.status ?? 1);
}
