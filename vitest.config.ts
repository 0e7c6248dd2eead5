import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Safety nets against a hang, not estimates: tests wait on conditions (test/helpers/wait.ts), and
    // on a shared two-core CI machine running other suites beside this one, a test that starts
    // processes, PGlite instances or compilers can take minutes.
    testTimeout: 600_000,
    hookTimeout: 600_000,
    // Test files share one PostgreSQL database when DATABASE_URL is set; run them one at a time.
    fileParallelism: false,
  },
});
