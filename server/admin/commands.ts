// The administrator's commands (`npm run keys`, `db:seed`, `db:migrate`) as functions of an open
// database. They run in the command's own process, or, when the running server owns the embedded
// database, inside the server (see command-line.ts): the same code and the same output either way.
import { createApiKey, listApiKeys, revokeApiKey } from '../api-keys/store.ts';
import type { Database } from '../platform/database/connection.ts';
import type { AdminRequest, AdminResult } from '../platform/database/data-directory.ts';
import { applyMigrations } from '../platform/database/migrations.ts';
import { seedDemoData } from './demo-data.ts';

export const KEYS_USAGE = 'Usage: npm run -s keys -- create <name> | list | revoke <id>';

export interface CommandContext {
  db: Database;
  /** Called after the command created or revoked a key, so that a server's key cache forgets. */
  keysChanged?: () => void;
}

/** Collects a command's output lines, as its process would print them. */
class Output {
  stdout: string[] = [];
  stderr: string[] = [];
  result(exitCode: number): AdminResult {
    return { exitCode, stdout: this.stdout.map((line) => `${line}\n`).join(''), stderr: this.stderr.map((line) => `${line}\n`).join('') };
  }
}

async function keys({ db, keysChanged }: CommandContext, [action, argument]: string[], out: Output): Promise<number> {
  if (action === 'create' && argument?.trim()) {
    const name = argument.trim();
    const { id, key } = await createApiKey(db.prisma, name);
    keysChanged?.();
    out.stderr.push(`Created API key #${id} "${name}". Store it now: it cannot be shown again.`);
    out.stdout.push(key);
    return 0;
  }
  if (action === 'list') {
    const rows = await listApiKeys(db.prisma);
    if (rows.length === 0) out.stdout.push('No API keys. Create one with: npm run -s keys -- create <name>');
    for (const k of rows) {
      const state = k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : 'active';
      const used = k.lastUsedAt ? `last used ${k.lastUsedAt.toISOString()}` : 'never used';
      out.stdout.push(`#${k.id}\t${k.prefix}…\t${k.name}\t${state}\t${used}\tcreated ${k.createdAt.toISOString()}`);
    }
    return 0;
  }
  if (action === 'revoke' && /^\d{1,9}$/.test(argument ?? '')) {
    const revoked = await revokeApiKey(db.prisma, Number(argument));
    keysChanged?.();
    if (revoked) {
      out.stdout.push(`Revoked API key #${argument}.`);
      return 0;
    }
    out.stderr.push(`No active API key #${argument}.`);
    return 1;
  }
  out.stderr.push(KEYS_USAGE);
  return 2;
}

async function seed({ db }: CommandContext, _args: string[], out: Output): Promise<number> {
  const { seeded, summary } = await seedDemoData(db.prisma);
  (seeded ? out.stdout : out.stderr).push(summary);
  return seeded ? 0 : 1;
}

async function migrate({ db }: CommandContext, _args: string[], out: Output): Promise<number> {
  const applied = await applyMigrations(db.adapterFactory);
  out.stdout.push(applied.length > 0 ? `Applied migrations: ${applied.join(', ')}.` : 'The database is up to date.');
  return 0;
}

export const adminCommands = { keys, seed, migrate } satisfies Record<string, (context: CommandContext, args: string[], out: Output) => Promise<number>>;
export type AdminCommandName = keyof typeof adminCommands;

/** Runs one command; a failure is reported as its output, never thrown. */
export async function runAdminCommand(context: CommandContext, request: AdminRequest): Promise<AdminResult> {
  const out = new Output();
  const command = adminCommands[request.command as AdminCommandName];
  if (!Object.hasOwn(adminCommands, request.command) || !command) {
    out.stderr.push(`Unknown command "${request.command}".`);
    return out.result(2);
  }
  try {
    return out.result(await command(context, request.args, out));
  } catch (error) {
    out.stderr.push(`${request.command} failed: ${(error as Error).message}`);
    return out.result(1);
  }
}
