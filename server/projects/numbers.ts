// Project numbers: `P-00042`, or per client `ACME-0007`, from the PROJECT_NUMBER_FORMAT template.
// A format without {client} counts with a PostgreSQL sequence, which hands numbers out without a
// lock; one with {client} has a counter row per scope (the template with everything but its counter
// filled in), locked by the creating transaction until it ends, so only one client's creates wait
// for each other. Either way concurrent creates on any number of instances get different numbers,
// and a number once given is never given again (a deleted project's number stays used; a create
// that fails may leave a gap). A number that exists already (a format changed to one whose numbers
// meet older ones) is skipped.
import { sql } from 'kysely';
import type { Db } from '../platform/database/transaction.ts';
import { compileOnce, executeStatement, queryRows, sqlBuilder } from '../platform/database/sql.ts';
import { FIRST_ORGANIZATION_ID } from '../platform/database/tenancy.ts';
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
    const [next] = await queryRows(db, (format.perClient ? perClientNumber : sequenceNumber)(scope, format.digits));
    if (!next!.taken) return next!.number;
  }
}

/** The counter `n` rendered into `scope`'s `{seq}`: padded to `digits`, never cut. */
const rendered = (scope: unknown, n: unknown, digits: number) =>
  sql<string>`replace(${scope}, '{seq}', lpad(${n}, GREATEST(${digits}::int, length(${n})), '0'))`;

/** Whether a project has the number `number`. */
const takenBy = (number: unknown) => sql<boolean>`EXISTS (${sqlBuilder.selectFrom('projects').select(sql`1`.as('one')).where('projects.number', '=', sql<string>`${number}`)})`;

/** The scope's counter row moved on (created at 1), and its number. */
const perClientNumber = compileOnce((scope: string, digits: number) => sqlBuilder
  .with('counter', (db) => db.insertInto('project_number_counters')
    .values({ scope, last_value: sql.lit(1) })
    .onConflict((conflict) => conflict.columns(['organization_id', 'scope']).doUpdateSet((eb) => ({ last_value: eb('project_number_counters.last_value', '+', eb.lit(1)) })))
    .returning((eb) => rendered(eb.ref('scope'), sql`${eb.ref('last_value')}::text`, digits).as('number')))
  .selectFrom('counter')
  .select((eb) => ['counter.number', takenBy(eb.ref('counter.number')).as('taken')]));

/** The next value of the sequence, and its number. */
const sequenceNumber = compileOnce((scope: string, digits: number) => sqlBuilder
  .with('counter', (db) => db.selectNoFrom(sql<string>`nextval(${organizationSequence})::text`.as('value')))
  // Materialized: the rendered number is then one value, which the lookup of a project with it can
  // use in the index. Inlined, it is an expression of replace() and lpad(), which row-level security
  // keeps from the index (they are not leakproof): a scan of every project, 12 ms at 100,000.
  .with((cte) => cte('n').materialized(), (db) => db.selectFrom('counter').select((eb) => rendered(scope, eb.ref('counter.value'), digits).as('number')))
  .selectFrom('n')
  .select((eb) => ['n.number', takenBy(eb.ref('n.number')).as('taken')]));

/** Sets the number sequence so that the next number counts on from `last` (for data loaded with its numbers). */
export async function continueNumbersAfter(db: Db, last: number): Promise<void> {
  await queryRows(db, sql`SELECT setval(${organizationSequence}, ${last}::int)`);
}

/**
 * The sequence of the numbers in a format without `{client}`, one per organization (numbers count
 * per organization): the first organization keeps `project_number_seq`, the one it had before there
 * were others; a later one has `project_number_seq_<id>`, made with it.
 */
const sequenceName = (organizationId: number) => `project_number_seq_${organizationId}`;
const organizationSequence = sql<string>`(CASE current_organization_id() WHEN ${sql.lit(FIRST_ORGANIZATION_ID)} THEN 'project_number_seq'
  ELSE 'project_number_seq_' || current_organization_id() END)::regclass`;

/** Makes the number sequence of a new organization, in the transaction that creates it. */
export async function createNumberSequence(db: Db, organizationId: number): Promise<void> {
  await executeStatement(db, sql`CREATE SEQUENCE ${sql.id(sequenceName(organizationId))} AS integer MINVALUE 1`);
}
