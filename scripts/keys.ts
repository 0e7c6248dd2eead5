// API keys: npm run -s keys -- create <name> | list | revoke <id>
// `create` prints the new key alone on its last stdout line; it is shown only this once.
import { createApiKey, listApiKeys, revokeApiKey } from '../server/api-keys.ts';
import { loadConfig } from '../server/config.ts';
import { openDatabase } from '../server/database/connection.ts';
import { prepareDatabase } from '../server/database/prepare.ts';

const [command, argument] = process.argv.slice(2);
const usage = 'Usage: npm run -s keys -- create <name> | list | revoke <id>';

const config = loadConfig();
const db = await openDatabase({ ...config, databasePoolSize: 1 });
let exitCode = 0;
try {
  await prepareDatabase(db, config.adminEmail);
  if (command === 'create' && argument?.trim()) {
    const { id, key } = await createApiKey(db.prisma, argument.trim());
    console.error(`Created API key #${id} "${argument.trim()}". Store it now: it cannot be shown again.`);
    console.log(key);
  } else if (command === 'list') {
    const keys = await listApiKeys(db.prisma);
    if (keys.length === 0) console.log('No API keys. Create one with: npm run -s keys -- create <name>');
    for (const k of keys) {
      const state = k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : 'active';
      const used = k.lastUsedAt ? `last used ${k.lastUsedAt.toISOString()}` : 'never used';
      console.log(`#${k.id}\t${k.prefix}…\t${k.name}\t${state}\t${used}\tcreated ${k.createdAt.toISOString()}`);
    }
  } else if (command === 'revoke' && /^\d+$/.test(argument ?? '')) {
    if (await revokeApiKey(db.prisma, Number(argument))) console.log(`Revoked API key #${argument}.`);
    else { console.error(`No active API key #${argument}.`); exitCode = 1; }
  } else {
    console.error(usage);
    exitCode = 2;
  }
} finally {
  await db.close();
}
process.exit(exitCode);
