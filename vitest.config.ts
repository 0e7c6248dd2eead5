import { readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Safety nets against a hang, not estimates: tests wait on conditions (test/helpers/wait.ts), and
// on a shared two-core CI machine running other suites beside this one, a test that starts
// processes, PGlite instances or compilers can take minutes.
const timeouts = { testTimeout: 600_000, hookTimeout: 600_000 };
// Each api and system test file runs on a database of its own, copied from the one migrated once
// per run (test/helpers/global-setup.ts, file-database.ts, database-template.ts).
// Their own statements run in the first organization (test/helpers/first-organization.ts).
const ownDatabase = ['test/helpers/file-database.ts', 'test/helpers/first-organization.ts'];

// A test file outside the three tiers would match no project and silently not run.
const strays = readdirSync(fileURLToPath(new URL('test', import.meta.url)), { recursive: true })
  .map(String).filter((file) => file.endsWith('.test.ts') && !/^(unit|api|system)\//.test(file));
if (strays.length > 0) throw new Error(`Test files outside test/unit, test/api and test/system would not run: ${strays.join(', ')}`);

// Three tiers, run in this order (`npx vitest --project unit`, `api`, `system` runs one):
export default defineConfig({
  test: {
    ...timeouts,
    globalSetup: ['test/helpers/global-setup.ts'],
    projects: [
      // Pure logic, no database: files in parallel.
      { test: { ...timeouts, name: 'unit', include: ['test/unit/**/*.test.ts'], sequence: { groupOrder: 0 } } },
      // The app in this process (test/helpers/server.ts), each file on its own database: files in
      // parallel, one more than the cores (three on two): a file also waits on timers, sockets and
      // PostgreSQL, and vitest's default (one fewer than the cores) would run one at a time there.
      {
        test: {
          ...timeouts, name: 'api', include: ['test/api/**/*.test.ts'], setupFiles: ownDatabase, maxWorkers: availableParallelism() + 1, sequence: { groupOrder: 1 },
        },
      },
      // Spawned processes, npm pack and a client install, Chromium, fault proxies, several instances,
      // start-up and shutdown: timing-sensitive and heavy, one file after another.
      {
        test: {
          ...timeouts, name: 'system', include: ['test/system/**/*.test.ts'], setupFiles: ownDatabase, fileParallelism: false, sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
