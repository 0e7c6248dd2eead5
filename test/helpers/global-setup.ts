// Once per run, before any test file (vitest's globalSetup): the migrated database that test files
// copy (test/helpers/database-template.ts). On PostgreSQL (DATABASE_URL) a template database beside
// the run's one, dropped at the end; on the embedded PGlite a migrated dump, kept for later runs.
import type { TestProject } from 'vitest/node';
import { dropPostgresTemplate, migratedPgliteDump, preparePostgresTemplate, type PostgresTemplate } from './database-template.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Set when the run is on PostgreSQL: where each test file copies its database from. */
    postgresTemplate: PostgresTemplate | undefined;
  }
}

export default async function setup(project: TestProject) {
  // Child processes on the embedded database start from it in every pass, PostgreSQL's too.
  await migratedPgliteDump();
  const url = process.env.DATABASE_URL;
  const template = url ? await preparePostgresTemplate(url) : undefined;
  project.provide('postgresTemplate', template);
  return async () => {
    if (template) await dropPostgresTemplate(template);
  };
}
