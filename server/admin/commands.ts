// The administrator's commands (`npm run keys`, `db:seed`, `db:migrate`) as functions of an open
// database. They run in the command's own process, or, when the running server owns the embedded
// database, inside the server (see command-line.ts): the same code and the same output either way.
import { parseArgs } from 'node:util';
import { createApiKey, listApiKeys, revokeApiKey } from '../api-keys/store.ts';
import { listedScopeErrors, type Role, ROLES, SCOPES } from '../core/access.ts';
import type { Database } from '../platform/database/connection.ts';
import type { AdminRequest, AdminResult } from '../platform/database/data-directory.ts';
import { applyMigrations } from '../platform/database/migrations.ts';
import { asSystem, FIRST_ORGANIZATION_ID, inOrganization } from '../platform/database/tenancy.ts';
import { seedDemoData } from './demo-data.ts';
import { createNumberSequence } from '../projects/numbers.ts';

export const KEYS_USAGE = [
  'Usage: npm run -s keys -- create <name> [--role admin|member|viewer] [--scopes <scope>,…] [--user <id or email>] [--organization <id>]',
  '       npm run -s keys -- list [--organization <id>]',
  '       npm run -s keys -- revoke <id>',
  '       npm run -s keys -- create-organization <name> <administrator email> [--currency <ISO 4217>]',
].join('\n');

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

class UsageError extends Error {}

const keyOptions = {
  role: { type: 'string' },
  scopes: { type: 'string' },
  user: { type: 'string' },
  organization: { type: 'string' },
  currency: { type: 'string' },
} as const;

function positiveId(text: string | undefined, what: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[1-9]\d{0,8}$/.test(text)) throw new UsageError(`${what} must be a positive whole number, not "${text}".`);
  return Number(text);
}

/** Prints a new key: the secret alone on standard output's last line. */
function printKey(out: Output, created: { id: number; organizationId: number; role: string; key: string }, name: string): void {
  out.stderr.push(`Created API key #${created.id} "${name}" (${created.role}, organization ${created.organizationId}). Store it now: it cannot be shown again.`);
  out.stdout.push(created.key);
}

async function createKey({ db }: CommandContext, name: string, values: { role?: string; scopes?: string; user?: string; organization?: string }, out: Output) {
  const organizationId = positiveId(values.organization, '--organization') ?? FIRST_ORGANIZATION_ID;
  const role = (values.role ?? 'admin') as Role;
  if (!ROLES.includes(role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}.`);
  const scopes = values.scopes ? values.scopes.split(',').map((scope) => scope.trim()).filter(Boolean) : [];
  const scopeErrors = listedScopeErrors(role, scopes, new Set(SCOPES));
  if (scopeErrors.size > 0) throw new UsageError([...scopeErrors.values()].join(' '));
  const user = values.user;
  const byUser = user === undefined ? { role: 'admin' as const } : /^\d+$/.test(user) ? { id: Number(user) } : { email: user.toLowerCase() };
  const found = await db.prisma.user.findFirst({ where: { organizationId, ...byUser }, orderBy: { id: 'asc' }, select: { id: true } });
  if (!found) throw new UsageError(user === undefined ? `Organization ${organizationId} does not exist or has no administrator.` : `Organization ${organizationId} has no team user ${user}.`);
  printKey(out, await createApiKey(db.prisma, { organizationId, userId: found.id, name, role, scopes }), name);
}

async function createOrganization({ db }: CommandContext, name: string, email: string, currency: string | undefined, out: Output) {
  if (currency !== undefined && !/^[A-Z]{3}$/.test(currency)) throw new UsageError('--currency must be an ISO 4217 code such as EUR.');
  const created = await db.prisma.$transaction(async (tx) => {
    const organization = await tx.organization.create({ data: { name, currency } });
    await createNumberSequence(tx, organization.id);
    const admin = await tx.user.create({
      data: { organizationId: organization.id, firstName: 'Main', lastName: 'Administrator', email: email.toLowerCase(), role: 'admin' },
    });
    return createApiKey(tx, { organizationId: organization.id, userId: admin.id, name: `${name} administrator`, role: 'admin', scopes: [] });
  });
  out.stderr.push(`Created organization #${created.organizationId} "${name}" with its main administrator ${email}.`);
  printKey(out, created, `${name} administrator`);
}

async function keys(context: CommandContext, args: string[], out: Output): Promise<number> {
  const { db, keysChanged } = context;
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; options: typeof keyOptions; allowPositionals: true; strict: true }>>;
  try {
    parsed = parseArgs({ args, options: keyOptions, allowPositionals: true, strict: true });
  } catch (error) {
    out.stderr.push((error as Error).message, KEYS_USAGE);
    return 2;
  }
  const { positionals: [action, first, second], values } = parsed;
  try {
    if (action === 'create' && first?.trim()) {
      await createKey(context, first.trim(), values, out);
      keysChanged?.();
      return 0;
    }
    if (action === 'create-organization' && first?.trim() && second?.includes('@')) {
      await createOrganization(context, first.trim(), second, values.currency, out);
      keysChanged?.();
      return 0;
    }
    if (action === 'list') {
      const rows = await listApiKeys(db.prisma, positiveId(values.organization, '--organization'));
      if (rows.length === 0) out.stdout.push('No API keys. Create one with: npm run -s keys -- create <name>');
      for (const k of rows) {
        const state = k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : 'active';
        const used = k.lastUsedAt ? `last used ${k.lastUsedAt.toISOString()}` : 'never used';
        const rights = k.scopes.length > 0 ? `${k.role} (${k.scopes.join(', ')})` : k.role;
        const person = `${k.user.firstName} ${k.user.lastName}`;
        out.stdout.push(`#${k.id}\t${k.prefix}…\t${k.name}\t${rights}\t${person}\torganization ${k.organizationId}\t${state}\t${used}\tcreated ${k.createdAt.toISOString()}`);
      }
      return 0;
    }
    if (action === 'revoke' && /^\d{1,9}$/.test(first ?? '')) {
      const revoked = await revokeApiKey(db.prisma, Number(first));
      keysChanged?.();
      if (revoked) {
        out.stdout.push(`Revoked API key #${first}.`);
        return 0;
      }
      out.stderr.push(`No active API key #${first}.`);
      return 1;
    }
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    out.stderr.push(error.message);
    return 2;
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
    // Commands act across organizations, as the system; the demo data is the first organization's.
    const run = () => command(context, request.args, out);
    return out.result(await (request.command === 'seed' ? inOrganization(FIRST_ORGANIZATION_ID, run) : asSystem(run)));
  } catch (error) {
    out.stderr.push(`${request.command} failed: ${(error as Error).message}`);
    return out.result(1);
  }
}
