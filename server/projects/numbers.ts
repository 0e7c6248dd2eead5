// Project numbers: `P-00042`, or per client `ACME-0007`, from the PROJECT_NUMBER_FORMAT template.
// A format without {client} counts with a PostgreSQL sequence, which hands numbers out without a
// lock; one with {client} has a counter row per scope (the template with everything but its counter
// filled in), locked by the creating transaction until it ends, so only one client's creates wait
// for each other. Either way concurrent creates on any number of instances get different numbers,
// and a number once given is never given again (a deleted project's number stays used; a create
// that fails may leave a gap). A number that exists already (a format changed to one whose numbers
// meet older ones) is skipped.
import type { Db } from '../platform/database/transaction.ts';
import { COUNTER, type ProjectNumberFormat } from '../core/project-number-format.ts';

/** The code of internal projects, which have no client, in a format with `{client}`. */
export const INTERNAL_CODE = 'INT';

/**
 * A client's code in numbers: the first word of its company name in capitals, letters and digits
 * only, at most 8 (`Acme Inc` → `ACME`, `Über Design` → `UBER`); `C` and the client id when the name
 * has none. Clients whose codes coincide share a counter, so their numbers still differ.
 */
export function clientCode(client: { id: number; companyName: string }): string {
  const ascii = client.companyName.normalize('NFKD').replace(/[^\p{L}\p{N}\s]/gu, '').toUpperCase();
  const word = (ascii.trim().split(/\s+/)[0] ?? '').replace(/[^A-Z0-9]/g, '').slice(0, 8);
  return word || `C${client.id}`;
}

/** Takes the next free number of the scope the project falls in, inside the caller's transaction. */
export async function takeProjectNumber(db: Db, format: ProjectNumberFormat, client: { id: number; companyName: string } | null): Promise<string> {
  const template = format.perClient ? format.template.replace('{client}', client ? clientCode(client) : INTERNAL_CODE) : format.template;
  const scope = template.replace(COUNTER, '{seq}');
  for (;;) {
    // One round trip: the counter moved on, the number rendered (padded, never cut), and whether a project has it.
    const [next] = format.perClient
      ? await db.$queryRaw<{ number: string; taken: boolean }[]>`
          WITH counter AS (
            INSERT INTO project_number_counters (scope, last_value) VALUES (${scope}, 1)
            ON CONFLICT (scope) DO UPDATE SET last_value = project_number_counters.last_value + 1
            RETURNING replace(scope, '{seq}', lpad(last_value::text, GREATEST(${format.digits}::int, length(last_value::text)), '0')) AS number)
          SELECT number, EXISTS (SELECT 1 FROM projects WHERE projects.number = counter.number) AS taken FROM counter`
      : await db.$queryRaw<{ number: string; taken: boolean }[]>`
          WITH counter AS (SELECT nextval('project_number_seq')::text AS value)
          SELECT n.number, EXISTS (SELECT 1 FROM projects WHERE projects.number = n.number) AS taken
            FROM counter, LATERAL (SELECT replace(${scope}, '{seq}', lpad(value, GREATEST(${format.digits}::int, length(value)), '0')) AS number) n`;
    if (!next!.taken) return next!.number;
  }
}
