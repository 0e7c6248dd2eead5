// Applies pending migrations to the configured database (PGlite by default, or DATABASE_URL).
// The server also does this at start; this script is for deployments that migrate as a separate step.
import { runCommandLine } from '../server/admin/command-line.ts';

await runCommandLine('migrate', 'db:migrate');
