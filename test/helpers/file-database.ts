// Each test file runs on a database of its own (vitest setupFiles, before the file is loaded): on
// PostgreSQL a copy of the run's migrated template, whose URL replaces DATABASE_URL for this file (its
// servers, the child processes it starts and its direct connections all use it), dropped after the
// file. On the embedded PGlite every test server has its own in-memory database already
// (startTestServer), and child processes their own directories.
import { afterAll, inject } from 'vitest';
import { copyPostgresTemplate, dropPostgresDatabase, fileDatabaseName, type PostgresTemplate } from './database-template.ts';

const template: PostgresTemplate | undefined = inject('postgresTemplate');
const name = template && fileDatabaseName(template);
if (template && name) {
  process.env.DATABASE_URL = await copyPostgresTemplate(template, name);
  afterAll(async () => { await dropPostgresDatabase(template, name); });
}
