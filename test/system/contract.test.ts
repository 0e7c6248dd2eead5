// The contract itself: lint-clean, derived files current, generated types strict-clean (the checks that
// run other processes; the spec's own rules: test/unit/contract/spec.test.ts).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { staleGeneratedFiles } from '../../scripts/generate.ts';

const run = promisify(execFile);

describe('openapi/projects.yaml', () => {
  it('passes redocly lint with no warnings', async () => {
    const { stdout, stderr } = await run('node_modules/.bin/redocly', ['lint', 'openapi/projects.yaml']);
    expect(stdout + stderr).toMatch(/Woohoo! Your API description is valid/);
    expect(stdout + stderr).not.toMatch(/You have \d+ warnings?/);
  });
});

describe('generated files', () => {
  it('match a fresh `npm run generate`', async () => {
    expect(await staleGeneratedFiles()).toEqual([]);
  });

  it('compile under tsc --noEmit with strict and noUncheckedIndexedAccess', async () => {
    const { stdout } = await run('node_modules/.bin/tsc', [ '--noEmit', '--strict', '--noUncheckedIndexedAccess', '--skipLibCheck',
      '--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--target', 'ES2022', 'generated/api-types.ts']);
    expect(stdout).toBe('');
  });
});
