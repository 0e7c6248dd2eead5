// Where an administrator's command runs. On PostgreSQL, in its own process: the database arbitrates
// between processes. On the embedded database, only one process may open its directory: if the
// running server owns it, the server runs the command (so a new or revoked key takes effect at once);
// if another command owns it, this one waits for it a while; it never opens the files beside them.
import { pino } from 'pino';
import { loadConfig } from '../platform/config.ts';
import { openDatabase } from '../platform/database/connection.ts';
import { DataDirectoryInUse, sendAdminRequest, type AdminRequest, type AdminResult } from '../platform/database/data-directory.ts';
import { prepareDatabase } from '../platform/database/prepare.ts';
import { createLogger } from '../platform/logging.ts';
import { runAdminCommand, type AdminCommandName } from './commands.ts';

/** How long a command waits for another command that holds the embedded database. */
const WAIT_FOR_OTHER_COMMAND_MS = 30_000;

async function runHere(request: AdminRequest, role: string): Promise<AdminResult> {
  const config = loadConfig();
  const db = await openDatabase({ ...config, databasePoolSize: 1 }, role);
  try {
    // Logs go to standard error: standard output is the command's answer (a new key, a listing).
    await prepareDatabase(db, config.adminEmail, createLogger(config.logLevel, pino.destination({ fd: 2, sync: true })));
    return await runAdminCommand({ db }, request);
  } finally {
    await db.close();
  }
}

async function run(request: AdminRequest, role: string): Promise<AdminResult> {
  const { pgliteDataDir, databaseUrl } = loadConfig();
  const deadline = Date.now() + WAIT_FOR_OTHER_COMMAND_MS;
  for (;;) {
    try {
      return await runHere(request, role);
    } catch (error) {
      if (!(error instanceof DataDirectoryInUse) || databaseUrl) throw error;
      let busy = error;
      if (busy.owner.acceptsCommands) {
        try {
          // undefined: the server stopped meanwhile, so the directory may be free now.
          const result = await sendAdminRequest(pgliteDataDir, request);
          if (result) return result;
        } catch (sendError) {
          // Anything but "not taking commands" may have happened after the server received the command.
          if (!(sendError instanceof DataDirectoryInUse)) throw sendError;
          busy = sendError;
        }
      }
      if (Date.now() > deadline) throw new Error(`${busy.message} Try again when it has finished.`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/** Runs `command` with the process's arguments, prints its output and exits with its code. */
export async function runCommandLine(command: AdminCommandName, role: string): Promise<never> {
  let result: AdminResult;
  try {
    result = await run({ command, args: process.argv.slice(2) }, role);
  } catch (error) {
    result = { exitCode: 1, stdout: '', stderr: `${(error as Error).message}\n` };
  }
  process.stdout.write(result.stdout);
  process.stderr.write(result.stderr);
  // Flush before exiting: stdout may be a pipe (`KEY=$(npm run -s keys -- create ci)`).
  await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  process.exit(result.exitCode);
}
