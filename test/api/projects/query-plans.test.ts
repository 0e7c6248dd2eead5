// Every filter and every sort of GET /api/projects is served by an index at 100,000 projects: the
// statements the handler runs (projectListStatements) are EXPLAINed, for the values given and as
// the server's prepared statement goes on to run them, and a sequential scan of `projects` fails the
// test. On the suite's database: PGlite, or PostgreSQL when DATABASE_URL is set.
import { describe, expect, it } from 'vitest';
import { Prisma } from '../../../generated/prisma/client.ts';
import { customFieldsNamed } from '../../../server/projects/custom-fields/store.ts';
import { projectListStatements, type ListQuery } from '../../../server/projects/view.ts';
import { listOperations, loadSpec } from '../../../server/contract/spec.ts';
import { useTestServer } from '../../helpers/server.ts';
import { pageWindow } from '../../../server/core/paging.ts';
import { compileStatement, type Statement } from '../../../server/platform/database/sql.ts';
import { asSystem } from '../../../server/platform/database/tenancy.ts';

const PROJECTS = 100_000;
// Inserting and indexing 100,000 rows takes longer than the server's statement timeout allows.
const { t, f } = useTestServer({ env: { DATABASE_QUERY_TIMEOUT_MS: '300000', DATABASE_TRANSACTION_TIMEOUT_MS: '300000' } });

async function seedProjects(): Promise<void> {
  const { prisma } = t.db;
  // The loaded tables' non-unique indexes are built once over all their rows rather than kept up row
  // by row (the trigram GIN indexes above all): the migrations' own definitions, read back from the
  // catalog, so the plans are the same; the load took minutes on PGlite on a busy machine.
  const indexes = await prisma.$queryRaw<{ name: string; definition: string }[]>`
    SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition
      FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
     WHERE c.relnamespace = 'public'::regnamespace AND NOT i.indisunique AND NOT i.indisprimary
       AND c.relname IN ('projects', 'project_tags', 'project_assignees', 'project_custom_values')`;
  expect(indexes.length).toBeGreaterThan(0);
  // Indexes and VACUUM are the tables' owner's (the system's); the rows are the first organization's.
  for (const { name } of indexes) await asSystem(() => prisma.$executeRawUnsafe(`DROP INDEX ${name}`));
  const statuses = Prisma.raw(`ARRAY['not_started','in_progress','on_hold','cancelled','completed']::"ProjectStatus"[]`);
  // 200 clients, as an account of this size has: with two, any client id stands for half the table.
  await prisma.$executeRaw`INSERT INTO clients (company_name) SELECT 'Customer ' || n FROM generate_series(1, 198) AS n`;
  const clientIds = (await prisma.client.findMany({ where: { id: { not: f.otherClient.id } }, select: { id: true }, orderBy: { id: 'asc' } })).map((c) => c.id);
  await prisma.$executeRaw`
    INSERT INTO projects (title, description, reference, status, active_state, progress, project_type, client_id, category_id, creator_id, manager_id,
                          date_start, date_due, created_at, updated_at, last_activity_at, number)
    SELECT (ARRAY['Website','Mobile App','Brand','CRM','Checkout','Intranet'])[1 + i % 6] || ' ' || (ARRAY['Redesign','Launch','Audit','Rollout'])[1 + i % 4] || ' ' || i,
           CASE WHEN i % 3 = 0 THEN 'Scope of work number ' || i END,
           CASE WHEN i % 2 = 0 THEN 'PO-' || i END,
           (${statuses})[1 + i % 5],
           (CASE WHEN i % 10 = 0 THEN 'archived' ELSE 'active' END)::"ActiveState",
           i % 101,
           (CASE WHEN i % 25 = 12 THEN 'internal' ELSE 'client' END)::"ProjectType",
           CASE WHEN i % 25 = 12 THEN NULL WHEN i % 50 = 0 THEN ${f.otherClient.id}::int ELSE (${clientIds}::int[])[1 + i % ${clientIds.length}::int] END,
           CASE WHEN i % 40 = 0 THEN ${f.otherCategory.id}::int ELSE ${f.category.id}::int END,
           (SELECT min(id) FROM users),
           CASE WHEN i % 30 = 0 THEN ${f.jane.id}::int WHEN i % 3 = 0 THEN ${f.sam.id}::int END,
           DATE '2026-01-01' + (i % 700),
           CASE WHEN i % 11 <> 0 THEN DATE '2026-03-01' + (i % 900) END,
           TIMESTAMPTZ '2025-01-01' + i * INTERVAL '5 minutes',
           TIMESTAMPTZ '2025-01-01' + i * INTERVAL '5 minutes' + (i % 17) * INTERVAL '1 day',
           TIMESTAMPTZ '2025-01-01' + i * INTERVAL '5 minutes' + (i % 23) * INTERVAL '1 day',
           'P-' || lpad(i::text, 6, '0')
      FROM generate_series(1, ${PROJECTS}::int) AS i`;
  // Custom fields: a number on every 3rd project, a select on every 7th, a multi select on every 13th.
  const budget = await prisma.customField.create({ data: { key: 'budget', name: 'Budget', type: 'number', options: [] } });
  const phase = await prisma.customField.create({ data: { key: 'phase', name: 'Phase', type: 'single_select', options: ['Discovery', 'Build', 'Launch'] } });
  const labels = await prisma.customField.create({ data: { key: 'labels', name: 'Labels', type: 'multi_select', options: ['web', 'mobile', 'api'] } });
  await prisma.$executeRaw`
    INSERT INTO project_custom_values (project_id, field_id, number_value, text_value, option_values)
    SELECT id, ${budget.id}::int, id % 997, NULL, '{}'::text[] FROM projects WHERE id % 3 = 0
    UNION ALL SELECT id, ${phase.id}::int, NULL, (ARRAY['Discovery','Build','Launch'])[1 + id % 3], '{}' FROM projects WHERE id % 7 = 0
    UNION ALL SELECT id, ${labels.id}::int, NULL, NULL, ARRAY['web'] || CASE WHEN id % 2 = 0 THEN ARRAY['api'] ELSE '{}' END FROM projects WHERE id % 13 = 0`;
  // Tags: one of 40 on every project, a rare one on every 500th; assignees: Sam on every 4th, Jane on every 60th.
  await prisma.$executeRaw`
    INSERT INTO project_tags (project_id, title, position)
    SELECT id, 'tag-' || (id % 40), 0 FROM projects
    UNION ALL SELECT id, 'escalated', 1 FROM projects WHERE id % 500 = 0`;
  await prisma.$executeRaw`
    INSERT INTO project_assignees (project_id, user_id)
    SELECT id, ${f.sam.id}::int FROM projects WHERE id % 4 = 0
    UNION ALL SELECT id, ${f.jane.id}::int FROM projects WHERE id % 60 = 0`;
  // Templates: one project in 1,000.
  await prisma.$executeRaw`UPDATE projects SET is_template = true WHERE id % 1000 = 7`;
  for (const { definition } of indexes) await asSystem(() => prisma.$executeRawUnsafe(definition));
  for (const table of ['projects', 'project_tags', 'project_assignees', 'clients', 'project_custom_values', 'custom_fields']) await asSystem(() => prisma.$executeRawUnsafe(`VACUUM ANALYZE ${table}`));
}

type PlanRows = { 'QUERY PLAN': string }[];
const planText = (rows: PlanRows) => rows.map((row) => row['QUERY PLAN']).join('\n');

/** A bound value as an SQL literal that the prepared parameter's type reads back (arrays in array syntax). */
function literal(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  const text = (raw: string) => `'${raw.replaceAll("'", "''")}'`;
  if (Array.isArray(value)) return text(`{${value.map((item) => `"${String(item).replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`).join(',')}}`);
  if (value instanceof Date) return text(value.toISOString());
  return text(String(value));
}

/**
 * The statement's plan for these values, and the plan PostgreSQL goes on with once the server has
 * prepared it (server/platform/database/statement-names.ts) and run it a few times: both must be index-backed.
 */
async function plan(statement: Statement<unknown>): Promise<string> {
  const { sql, parameters } = compileStatement(statement);
  const custom = planText(await t.db.prisma.$queryRawUnsafe<PlanRows>(`EXPLAIN ${sql}`, ...parameters));
  const prepared = await t.db.prisma.$transaction(async (tx) => {
    await tx.$executeRawUnsafe(`PREPARE plan_check AS ${sql}`);
    // EXECUTE takes its arguments as SQL text, not as bound parameters.
    const args = parameters.map(literal).join(', ');
    const execute = `EXECUTE plan_check${args ? `(${args})` : ''}`;
    // PostgreSQL plans the first five executions for their values, then keeps a generic plan if it
    // costs no more: the sixth shows the plan the server goes on with.
    for (let i = 0; i < 5; i++) await tx.$executeRawUnsafe(execute);
    const rows = await tx.$queryRawUnsafe<PlanRows>(`EXPLAIN ${execute}`);
    await tx.$executeRawUnsafe('DEALLOCATE plan_check');
    return planText(rows);
  });
  return `${custom}\n-- prepared, sixth execution:\n${prepared}`;
}

const filters: [string, () => ListQuery][] = [
  ['status', () => ({ status: ['on_hold'] })],
  ['several statuses', () => ({ status: ['on_hold', 'cancelled'] })],
  ['active_state', () => ({ active_state: 'archived' })],
  ['client_id', () => ({ client_id: f.otherClient.id })],
  ['category_id', () => ({ category_id: f.otherCategory.id })],
  ['manager_id', () => ({ manager_id: f.jane.id })],
  ['assigned_id', () => ({ assigned_id: f.jane.id })],
  ['tag', () => ({ tag: 'escalated' })],
  ['date_start range', () => ({ date_start_from: '2026-03-01', date_start_to: '2026-03-10' })],
  ['date_due range', () => ({ date_due_from: '2027-01-01', date_due_to: '2027-01-05' })],
  ['overdue', () => ({ overdue: true })],
  ['updated_since', () => ({ updated_since: '2025-12-01T00:00:00Z' })],
  ['created range', () => ({ created_from: '2025-06-01T00:00:00Z', created_to: '2025-06-02T00:00:00Z' })],
  ['template=only', () => ({ template: 'only' })],
  ['template=include', () => ({ template: 'include', status: ['on_hold'] })],
  ['search (title)', () => ({ search: 'Audit 4217' })],
  ['search (description)', () => ({ search: 'work number 4218', search_in: ['description'] })],
  ['search (reference)', () => ({ search: 'PO-4218', search_in: ['reference'] })],
  ['search (client)', () => ({ search: 'Globex', search_in: ['client_company_name'] })],
  ['search (every field)', () => ({ search: 'Globex', search_in: ['title', 'description', 'reference', 'number', 'client_company_name'] })],
  // The filter grammar: each field with its operators that narrow (negations narrow nothing by
  // themselves: they are checked on the rows that a narrowing condition or the sort's index yields).
  ['filter id range', () => ({ filter: { id: { gte: 500, lt: 600 } } })],
  ['filter id in', () => ({ filter: { id: { in: [7, 70, 700] } } })],
  ['filter title eq', () => ({ filter: { title: { eq: 'Checkout Audit 4218' } } })],
  ['filter title contains', () => ({ filter: { title: { contains: 'Audit 4218' } } })],
  ['filter description contains', () => ({ filter: { description: { contains: 'number 4218' } } })],
  ['filter reference eq', () => ({ filter: { reference: { eq: 'PO-4218' } } })],
  ['filter reference in', () => ({ filter: { reference: { in: ['PO-4218', 'PO-4220'] } } })],
  ['filter status eq', () => ({ filter: { status: { eq: 'on_hold' } } })],
  ['filter status in', () => ({ filter: { status: { in: ['on_hold', 'cancelled'] } } })],
  ['filter active_state', () => ({ filter: { active_state: { eq: 'archived' } } })],
  ['filter progress range', () => ({ filter: { progress: { gte: 40, lte: 41 } } })],
  ['filter client_id in', () => ({ filter: { client_id: { in: [f.otherClient.id] } } })],
  ['filter client_company_name eq', () => ({ filter: { client_company_name: { eq: 'Globex' } } })],
  ['filter client_company_name contains', () => ({ filter: { client_company_name: { contains: 'lobe' } } })],
  ['filter category_id', () => ({ filter: { category_id: { eq: f.otherCategory.id } } })],
  ['filter manager_id in', () => ({ filter: { manager_id: { in: [f.jane.id] } } })],
  ['filter assigned_id', () => ({ filter: { assigned_id: { eq: f.jane.id } } })],
  ['filter tag in', () => ({ filter: { tag: { in: ['escalated', 'never-used'] } } })],
  ['filter date_start range', () => ({ filter: { date_start: { gt: '2026-03-01', lte: '2026-03-04' } } })],
  ['filter date_due eq', () => ({ filter: { date_due: { eq: '2027-01-01' } } })],
  ['filter overdue', () => ({ filter: { overdue: { eq: true } } })],
  ['filter created range', () => ({ filter: { created: { gt: '2025-06-01T00:00:00Z', lt: '2025-06-02T00:00:00Z' } } })],
  ['filter updated', () => ({ filter: { updated: { gte: '2025-12-01T00:00:00Z' } } })],
  ['filter negation with a narrowing condition', () => ({ filter: { manager_id: { eq: f.jane.id }, status: { not_eq: 'on_hold' }, tag: { not_in: ['tag-1'] } } })],
  ['filter or groups', () => ({ filter: { or: [{ tag: { eq: 'escalated' } }, { manager_id: { eq: f.jane.id }, progress: { gte: 50 } }] } })],
  ['filter and groups', () => ({ filter: { and: [{ date_due: { gte: '2027-01-01' } }, { date_due: { lt: '2027-01-03' } }] } })],
  ['project_type', () => ({ project_type: 'internal' })],
  ['filter project_type', () => ({ filter: { project_type: { eq: 'internal' } } })],
  ['search (number)', () => ({ search: 'P-004218', search_in: ['number'] })],
  ['filter number eq', () => ({ filter: { number: { eq: 'P-004218' } } })],
  ['filter number contains', () => ({ filter: { number: { contains: '04218' } } })],
  ['filter last_activity_at', () => ({ filter: { last_activity_at: { gte: '2026-05-01T00:00:00Z' } } })],
  ['custom number range', () => ({ custom_fields: { budget: { gte: 10, lt: 12 } } })],
  ['custom select eq', () => ({ custom_fields: { phase: { eq: 'Launch' } } })],
  ['custom multi select in', () => ({ custom_fields: { labels: { in: ['api'] } } })],
];
// Every sort the spec lists: one added there is checked here too.
type Sort = NonNullable<ListQuery['sort']>;
const listProjects = listOperations(loadSpec()).find(({ operation }) => operation.operationId === 'listProjects')!;
const sorts = (listProjects.parameters.find((parameter) => parameter.name === 'sort')!.schema as { enum: Sort[] }).enum;
const customSorts = ['budget', 'phase'];

describe(`GET /api/projects at ${PROJECTS.toLocaleString('en')} projects`, () => {
  it('every filter (page and total) and every sort (both directions) uses an index', async () => {
    await seedProjects();
    const scans: string[] = [];
    const check = async (label: string, sql: Statement<unknown>) => {
      const text = await plan(sql);
      if (/Seq Scan on projects/.test(text)) scans.push(`${label}:\n${text}`);
    };
    for (const [name, query] of filters) {
      const statements = projectListStatements(query(), pageWindow({}), await customFieldsNamed(t.db.prisma, query().custom_fields, undefined));
      await check(`filter ${name}, page`, statements.page);
      await check(`filter ${name}, total`, statements.count!);
    }
    for (const sort of sorts) {
      for (const order of ['asc', 'desc'] as const) {
        await check(`sort ${sort} ${order}`, projectListStatements({ sort, order }, pageWindow({ order, page: 3 })).page);
      }
    }
    for (const key of customSorts) {
      for (const order of ['asc', 'desc'] as const) {
        const query: ListQuery = { sort_custom_field: key, order };
        await check(`sort by custom field ${key} ${order}`, projectListStatements(query, pageWindow({ order, page: 3 }), await customFieldsNamed(t.db.prisma, undefined, key)).page);
      }
    }
    expect(scans).toEqual([]);
  });

  it('every sort in cursor mode (both directions, a due-date cursor on a date and on NULL) uses an index', async () => {
    const scans: string[] = [];
    const cursorAt = async (sort: string, order: string, page: number) =>
      (await t.api('GET', `/api/projects?sort=${sort}&order=${order}&page=${page}`)).body.meta.next_cursor as string;
    const cases: [Sort, 'asc' | 'desc', number][] = sorts.flatMap((sort) => [[sort, 'asc', 3], [sort, 'desc', 3]] as [Sort, 'asc' | 'desc', number][]);
    // Due dates: 1 project in 11 has none, last ascending and first descending.
    cases.push(['project_date_due', 'asc', 3900], ['project_date_due', 'desc', 1000]);
    for (const [sort, order, page] of cases) {
      const after = await cursorAt(sort, order, page);
      const text = await plan(projectListStatements({ sort, order, after }, pageWindow({ order })).page);
      if (/Seq Scan on projects/.test(text)) scans.push(`sort ${sort} ${order} after page ${page}:\n${text}`);
    }
    expect(scans).toEqual([]);
  });

  it('answers a filtered, sorted page with the rows the filter selects', async () => {
    const one = await t.api('GET', '/api/projects?search=app%20launch%2099997');
    expect(one.body.meta.total).toBe(1);
    expect(one.body.data[0].title).toBe('Mobile App Launch 99997');
    const page = await t.api('GET', `/api/projects?client_id=${f.otherClient.id}&active_state=archived&sort=project_title&order=asc&limit=100`);
    expect(page.body.meta.total).toBe(PROJECTS / 50);
    const titles = page.body.data.map((p: { title: string }) => p.title);
    // The spec's title order: the Unicode root collation, as ICU's `und` (Intl.Collator's too) has it.
    expect(titles).toEqual([...titles].sort(new Intl.Collator('und').compare));
  });
});
