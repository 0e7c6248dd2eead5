// Applies pending migrations to the configured database (PGlite by default, or DATABASE_URL).
// The server also does this at start; this script is for deployments that migrate as a separate step.
import { loadConfig } from '../server/config.ts';
import { openDatabase } from '../server/database/connection.ts';
import { prepareDatabase } from '../server/database/prepare.ts';
import { createLogger } from '../server/logging.ts';

const config = loadConfig();
const logger = createLogger(config.logLevel);
const db = await openDatabase({ ...config, databasePoolSize: 1 });
try {
  await prepareDatabase(db, config.adminEmail, logger);
  logger.info({ database: db.kind }, 'database is up to date');
} finally {
  await db.close();
}
