// API keys: npm run -s keys -- create <name> | list | revoke <id>
// `create` prints the new key alone on its last stdout line; it is shown only this once.
import { runCommandLine } from '../server/admin/command-line.ts';

await runCommandLine('keys', `keys ${process.argv[2] ?? ''}`.trim());
