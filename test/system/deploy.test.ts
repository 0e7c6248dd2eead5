// The production deployment as the README documents it: the systemd unit passes systemd's own
// checks and agrees with the package's start command, the configuration and the drain deadline.
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/platform/config.ts';

const run = promisify(execFile);
const root = new URL('../..', import.meta.url).pathname;
const unitPath = `${root}deploy/systemd/growcrm-projects-api.service`;
const unit = readFileSync(unitPath, 'utf8');
const setting = (key: string) => new RegExp(`^${key}=(.*)$`, 'm').exec(unit)?.[1];
const hasSystemdAnalyze = (() => {
  try { execFileSync('systemd-analyze', ['--version'], { stdio: 'ignore' }); return true; } catch { return false; }
})();

describe('the systemd unit', () => {
  // Registered where systemd's tools are installed (Debian, as here and on CI).
  if (hasSystemdAnalyze) it('passes systemd-analyze verify without a warning', async () => {
    const { stderr } = await run('systemd-analyze', ['verify', unitPath]);
    expect(stderr).toBe('');
  });

  it('runs what npm start runs, with plain node, and outlasts the drain before it kills', () => {
    const start = (JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { scripts: { start: string } }).scripts.start;
    expect(setting('ExecStart')).toBe(`/usr/bin/${start}`);
    expect(setting('KillSignal')).toBe('SIGTERM');
    const drainSeconds = loadConfig({}).shutdownTimeoutMs / 1000 + 1;
    expect(Number.parseInt(setting('TimeoutStopSec')!, 10)).toBeGreaterThan(drainSeconds);
  });

  it('has an environment file that the server accepts and the README documents', () => {
    const lines = readFileSync(`${root}deploy/systemd/env.example`, 'utf8').split('\n').filter((l) => /^[A-Z_]+=/.test(l));
    const env = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    expect(env.DATABASE_URL).toMatch(/^postgresql:\/\//);
    expect(() => loadConfig(env)).not.toThrow();
    const readme = readFileSync(`${root}README.md`, 'utf8');
    for (const name of Object.keys(env)) expect(readme, name).toContain(`| \`${name}\` |`);
  });
});
