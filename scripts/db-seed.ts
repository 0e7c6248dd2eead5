// npm run db:seed: fills an empty database with the demo data (server/admin/demo-data.ts).
import { runCommandLine } from '../server/admin/command-line.ts';

await runCommandLine('seed', 'db:seed');
