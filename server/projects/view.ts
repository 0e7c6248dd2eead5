// Projects read in one statement each: the row with its client, category and manager joined, and its
// assignees and tags aggregated, with dates and amounts already rendered as the API shows them.
// Prisma's include issues one query per relation (8 for one project); this is one round trip, and
// it leaves the mapper (server/projects/mapping.ts toProject) little to build and the collector little to free.
// Every statement is built with Kysely over the generated table types (server/platform/database/sql.ts):
// the view's row type (ProjectViewRow) is the type of its selection, and a column the schema renames
// or drops fails the type check here.
import { type CompiledQuery, type Expression, type InferResult, type Insertable, type RawBuilder, type Selectable, type SelectQueryBuilder, sql } from 'kysely';
import type { components, operations } from '../../generated/api-types.ts';
import type { EstimateStatus, InvoiceStatus } from '../../generated/kysely/database.ts';
import { validationFailed } from '../core/errors.ts';
import { AFTER_WITH_CUSTOM_SORT_MESSAGE, cursorForOtherSort, INVALID_CURSOR_MESSAGE, PAGE_WITH_AFTER_MESSAGE } from '../core/messages.ts';
import { customFieldConditions, customFieldsColumn, customSort, type CustomSort } from './custom-fields/store.ts';
import type { CustomField as CustomFieldRow, Prisma } from '../../generated/prisma/client.ts';
import { isCalendarDate, timestampSql } from '../core/dates.ts';
import type { Db } from '../platform/database/transaction.ts';
import { compileOnce, compileStatement, type DB, queryRows, sqlBuilder, type Statement } from '../platform/database/sql.ts';
import type { PageWindow } from '../core/paging.ts';
import { escapeLike } from '../core/search-text.ts';
import { nextNumber, type NumberScope } from './numbers.ts';

export type ListQuery = NonNullable<operations['listProjects']['parameters']['query']>;

/** A projects row as a statement reads it. */
type ProjectRow = Selectable<DB['projects']>;
/** A part of a statement: a condition, an ORDER BY, a LIMIT. */
type Fragment = RawBuilder<unknown>;
/** The projects rows a view reads, named `p`: the table, a CTE, or a page's rows. */
type ViewSource = SelectQueryBuilder<DB & { p: ProjectRow }, 'p', object>;

/** `YYYY-MM-DD` */
const dayText = <T extends Date | null>(column: Expression<T>) => sql<T extends Date ? string : string | null>`to_char(${column}, 'YYYY-MM-DD')`;
/** An enum's label: its value as the type knows it. */
const label = <T extends string>(column: Expression<T>) => sql<T>`${column}::text`;
/** A decimal amount to two decimals, as text. */
const amountText = (sum: Fragment) => sql<string>`COALESCE(${sum}, 0)::numeric(14, 2)::text`;

/**
 * The project as the API shows it, for each row of `from`: joined to its client, category, manager,
 * last actor and template, and the roll-ups of its timers, estimates and invoices (each an aggregate over the
 * project's own rows, found by index).
 */
function projectView(from: ViewSource) {
  return from
    .leftJoin('clients as c', 'c.id', 'p.client_id')
    .innerJoin('categories as k', 'k.id', 'p.category_id')
    .leftJoin('users as m', 'm.id', 'p.manager_id')
    .crossJoinLateral((eb) => eb.selectFrom('timers')
      .select((t) => sql<string>`round(COALESCE(sum(${t.ref('timers.duration_seconds')}), 0) / 3600.0, 2)`.as('worked'))
      .whereRef('timers.project_id', '=', 'p.id').where('timers.stopped_at', 'is not', null)
      .as('w'))
    .crossJoinLateral((eb) => eb.selectFrom('estimates')
      .select((t) => amountText(sql`sum(${t.ref('estimates.amount')})`).as('estimated'))
      .whereRef('estimates.project_id', '=', 'p.id').where('estimates.status', '=', sql.lit<EstimateStatus>('accepted'))
      .as('e'))
    .crossJoinLateral((eb) => eb.selectFrom('invoices')
      .select((t) => {
        const sum = (statuses: Fragment) => amountText(sql`sum(${t.ref('invoices.amount')}) FILTER (WHERE ${statuses})`);
        const status = t.ref('invoices.status');
        const is = (value: InvoiceStatus) => sql.lit(value);
        return [
          sum(sql`${status} <> ${is('draft')}`).as('invoiced'),
          sum(sql`${status} = ${is('paid')}`).as('paid'),
          sum(sql`${status} IN (${is('due')}, ${is('overdue')})`).as('outstanding'),
        ];
      })
      .whereRef('invoices.project_id', '=', 'p.id')
      .as('i'))
    .select((eb) => [
      'p.id', 'p.number', 'p.title', label(eb.ref('p.project_type')).as('project_type'), 'p.description', 'p.reference',
      label(eb.ref('p.status')).as('status'), label(eb.ref('p.active_state')).as('active_state'),
      timestampSql(eb.ref('p.archived_at')).as('archived_at'), 'p.progress', 'p.progress_manually',
      // Null for an internal project.
      'p.client_id', 'c.company_name as client_name', 'p.category_id', 'k.name as category_name',
      dayText(eb.ref('p.date_start')).as('date_start'), dayText(eb.ref('p.date_due')).as('date_due'),
      timestampSql(eb.ref('p.created_at')).as('created'), timestampSql(eb.ref('p.updated_at')).as('updated'),
      timestampSql(eb.ref('p.last_activity_at')).as('last_activity_at'),
      label(eb.ref('p.billing_type')).as('billing_type'),
      // Two decimals, as text; hours as numbers.
      sql<string>`${eb.ref('p.billing_rate')}::text`.as('billing_rate'),
      sql<number>`${eb.ref('p.billing_estimated_hours')}::float8`.as('billing_estimated_hours'),
      sql<string>`${eb.ref('p.billing_costs_estimate')}::text`.as('billing_costs_estimate'),
      // Hours to the hundredth: stopped timers, and the estimate less them.
      sql<number>`${eb.ref('w.worked')}::float8`.as('worked_hours'),
      sql<number>`(${eb.ref('p.billing_estimated_hours')} - ${eb.ref('w.worked')})::float8`.as('remaining_hours'),
      // Two decimals, as text: accepted estimates; invoices not in draft, paid, due or overdue.
      'e.estimated as money_estimated', 'i.invoiced as money_invoiced', 'i.paid as money_paid', 'i.outstanding as money_outstanding',
      'p.clientperm_tasks_view', 'p.clientperm_tasks_collaborate', 'p.clientperm_tasks_create',
      'p.clientperm_timesheets_view', 'p.clientperm_expenses_view', 'p.assignedperm_tasks_collaborate',
      'm.id as manager_id', sql<string | null>`${eb.ref('m.first_name')} || ' ' || ${eb.ref('m.last_name')}`.as('manager_name'),
      sql<{ id: number; name: string }[]>`COALESCE(${eb.selectFrom('project_assignees as a').innerJoin('users as u', 'u.id', 'a.user_id')
        .select((t) => sql`json_agg(json_build_object('id', ${t.ref('u.id')}, 'name', ${t.ref('u.first_name')} || ' ' || ${t.ref('u.last_name')}) ORDER BY ${t.ref('a.user_id')})`.as('assigned'))
        .whereRef('a.project_id', '=', 'p.id')}, '[]')`.as('assigned'),
      sql<string[]>`COALESCE(${eb.selectFrom('project_tags as t')
        .select((t) => sql`json_agg(${t.ref('t.title')} ORDER BY ${t.ref('t.position')})`.as('tags'))
        .whereRef('t.project_id', '=', 'p.id')}, '[]')`.as('tags'),
      // By field key, each value as its type shows it.
      customFieldsColumn(eb).as('custom_fields'),
      // The row's version: the project's ETag (server/core/entity-tags.ts).
      'p.version', 'p.is_template',
    ]);
}

/**
 * The view with the rows of Productive's extras (mapping.ts ProjectExtra): the last actor and the
 * template, joined only for a client that asks for them (`include`, or naming them in `fields`):
 * the Grow page's project has neither, and their joins are a large share of a read's cost.
 */
function projectViewWithExtras(from: ViewSource) {
  return projectView(from)
    .leftJoin('users as la', 'la.id', 'p.last_actor_id')
    .leftJoin('projects as tp', 'tp.id', 'p.template_id')
    .select((eb) => [
      'la.id as last_actor_id', sql<string | null>`${eb.ref('la.first_name')} || ' ' || ${eb.ref('la.last_name')}`.as('last_actor_name'),
      'tp.id as template_id', 'tp.title as template_title',
    ]);
}

/** One row of the project view: what toProject turns into the API's project. */
export type ProjectViewRow = InferResult<ReturnType<typeof projectView>>[number];

/** One row of the view with the extras' rows: what toProjectWithExtras reads. */
export type ProjectExtrasRow = InferResult<ReturnType<typeof projectViewWithExtras>>[number];

/** The projects table as the view's `p`. */
const projectsTable = () => sqlBuilder.selectFrom(sql<ProjectRow>`projects`.as('p'));

// Building the view costs more than a round trip (0.6 ms): each of its statements is compiled once.
const findStatements = {
  read: compileOnce((id: number) => projectView(projectsTable()).where('p.id', '=', id)),
  readWithExtras: compileOnce((id: number) => projectViewWithExtras(projectsTable()).where('p.id', '=', id)),
  update: compileOnce((id: number) => projectView(projectsTable()).where('p.id', '=', id).forNoKeyUpdate('p')),
  delete: compileOnce((id: number) => projectView(projectsTable()).where('p.id', '=', id).forUpdate('p')),
};

/**
 * The project with this id, or undefined. `lock`: its row locked for the rest of the transaction,
 * for a change of the project (`update`: FOR NO KEY UPDATE, which changes under the project can
 * share) or its deletion (`delete`: FOR UPDATE). `extras`: with the extras' rows.
 */
export async function findProjectView(db: Db, id: number, options: { extras: true }): Promise<ProjectExtrasRow | undefined>;
export async function findProjectView(db: Db, id: number, options?: { lock?: 'update' | 'delete' }): Promise<ProjectViewRow | undefined>;
export async function findProjectView(db: Db, id: number, { lock, extras }: { lock?: 'update' | 'delete'; extras?: true } = {}): Promise<ProjectViewRow | undefined> {
  const rows = await queryRows(db, extras ? findStatements.readWithExtras(id) : findStatements[lock ?? 'read'](id));
  return rows[0];
}

/**
 * The view's text before and after its source `p`, for statements that read it over rows chosen
 * apart (a page of the list): compiled once per kind (with the extras or without) from the view,
 * which binds no values of its own.
 */
const viewAround = (() => {
  const source = '"view_source"';
  const texts = new Map<boolean, { select: string; joins: string }>();
  return (extras: boolean) => {
    let text = texts.get(extras);
    if (text === undefined) {
      const from = sqlBuilder.selectFrom(sql<ProjectRow>`${sql.raw(source)}`.as('p'));
      const compiled = compileStatement(extras ? projectViewWithExtras(from) : projectView(from));
      const [select, joins, ...more] = compiled.sql.split(` from ${source} as "p"`);
      if (compiled.parameters.length > 0 || joins === undefined || more.length > 0) throw new Error('The project view binds values of its own.');
      text = { select: select!, joins };
      texts.set(extras, text);
    }
    return text;
  };
})();

/** The projects table's column for each of the model's fields: a field added to the model does not compile until it is named here. */
const PROJECT_COLUMN_NAMES = {
  organizationId: 'organization_id', id: 'id', title: 'title', number: 'number', description: 'description', reference: 'reference', status: 'status',
  activeState: 'active_state', archivedAt: 'archived_at', progress: 'progress', progressManually: 'progress_manually',
  projectType: 'project_type', clientId: 'client_id', categoryId: 'category_id', creatorId: 'creator_id', managerId: 'manager_id',
  dateStart: 'date_start', dateDue: 'date_due', billingType: 'billing_type', billingRate: 'billing_rate',
  billingEstimatedHours: 'billing_estimated_hours', billingCostsEstimate: 'billing_costs_estimate',
  clientpermTasksView: 'clientperm_tasks_view', clientpermTasksCollaborate: 'clientperm_tasks_collaborate',
  clientpermTasksCreate: 'clientperm_tasks_create', clientpermTimesheetsView: 'clientperm_timesheets_view',
  clientpermExpensesView: 'clientperm_expenses_view', assignedpermTasksCollaborate: 'assignedperm_tasks_collaborate',
  createdAt: 'created_at', updatedAt: 'updated_at', lastActivityAt: 'last_activity_at', lastActorId: 'last_actor_id', version: 'version', isTemplate: 'is_template',
  templateId: 'template_id',
} as const satisfies Record<keyof typeof Prisma.ProjectScalarFieldEnum, keyof DB['projects']>;

/** A project's columns as Prisma's create input names them (relations aside). */
export type ProjectInsert = Partial<Pick<Prisma.ProjectUncheckedCreateInput, keyof typeof PROJECT_COLUMN_NAMES>>;

/** The columns a new project is inserted with: all but its number, which the insert takes itself. */
type NewProjectColumns = Omit<ProjectInsert, 'number'>;

/**
 * Inserts a project with the next free number of `numbering`'s scope, its first activity by team
 * user `actorId`, and reads it back as the API shows it, in one statement: the number, the insert and
 * the read had been three round trips, and Prisma's create its costliest call per request. Other
 * columns left out take their defaults; the parameters take the types of the columns they fill.
 */
export async function insertProjectView(db: Db, actorId: number, given: NewProjectColumns, numbering: NumberScope): Promise<ProjectViewRow> {
  // To the millisecond, as the API shows them (and as Prisma's create writes them): a created_to
  // filter at the instant a project shows must include it.
  const now = new Date();
  const columns: NewProjectColumns = { createdAt: now, updatedAt: now, lastActivityAt: now, lastActorId: actorId, ...given };
  const fields = (Object.keys(columns) as (keyof typeof columns)[]).filter((field) => columns[field] !== undefined);
  const statement = insertStatement(fields, numbering.perClient);
  const values = [...fields.map((field) => columns[field]), numbering.scope, numbering.digits];
  for (;;) {
    // A number that a project has already (a format changed to one whose numbers meet older ones)
    // inserts nothing (ON CONFLICT), and the next one is taken.
    const [row] = await queryRows(db, statement(...values));
    if (row) return row;
  }
}

/** A column of a table as SQL text (`alias.name`): a name the schema does not have fails the type check. */
const columnOf = <T extends keyof DB>(_table: T, alias?: string) => (name: keyof DB[T] & string): string => (alias ? `${alias}.${name}` : name);
const p = columnOf('projects', 'p');
const c = columnOf('clients', 'c');
const v = columnOf('project_custom_values', 'v');
/**
 * What a list and its total read projects from: the view organization_projects, the statement's
 * organization's projects with every column of the table (migration
 * 20261207121348_last_actor_event_user_template). On the table, row-level security lets an index
 * serve only conditions of leakproof operators, and a status (enum equality) or a search (ILIKE) is
 * not one: every project of the organization was read. The view reads the table as its owner,
 * limited to the organization by its own condition.
 */
const ORGANIZATION_PROJECTS = sql.raw('organization_projects');

/**
 * The insert of a project with these columns given and its number taken (nextNumber, whose scope
 * and digits are the last two values), compiled once per set of columns and kind of counter (at most
 * INSERT_SHAPES).
 */
function insertStatement(fields: (keyof NewProjectColumns)[], perClient: boolean): (...values: unknown[]) => CompiledQuery<ProjectViewRow> {
  const key = `${perClient ? 'client' : 'sequence'}:${fields.join(',')}`;
  let statement = insertStatements.get(key);
  if (statement === undefined) {
    statement = compileOnce((...values: unknown[]) => projectView(sqlBuilder
      .with((cte) => cte('n').materialized(), nextNumber(perClient, values[fields.length], values[fields.length + 1]))
      .with('p', (cte) => cte.insertInto('projects')
        .values({
          ...Object.fromEntries(fields.map((field, i) => [PROJECT_COLUMN_NAMES[field], values[i]])),
          number: sql<string>`(SELECT "number" FROM "n")`,
        } as Insertable<DB['projects']>)
        .onConflict((conflict) => conflict.columns(['organization_id', 'number']).doNothing())
        .returningAll())
      .selectFrom(sql<ProjectRow>`p`.as('p'))), fields.length + 2);
    if (insertStatements.size < INSERT_SHAPES) insertStatements.set(key, statement);
  }
  return statement;
}

const INSERT_SHAPES = 64;
const insertStatements = new Map<string, (...values: unknown[]) => CompiledQuery<ProjectViewRow>>();

/** One expression a sort orders by, and the type its cursor value is cast back to. */
interface SortKey { expression: string; type: string; nullable?: true }
type ListSort = NonNullable<ListQuery['sort']>;

/**
 * The sort columns; the project id follows them all and breaks ties. Each prefix is an index. Titles
 * sort in the Unicode root collation, the same on every database (projects_title_icu_id_idx);
 * statuses in the enum's order, the workflow order the spec lists.
 */
const sortKeys = {
  project_title: [{ expression: `${p('title')} COLLATE "und-x-icu"`, type: 'text' }],
  project_status: [{ expression: p('status'), type: '"ProjectStatus"' }],
  project_date_start: [{ expression: p('date_start'), type: 'date' }],
  project_date_due: [{ expression: p('date_due'), type: 'date', nullable: true }],
  project_created: [{ expression: p('created_at'), type: 'timestamptz' }],
  project_progress: [{ expression: p('progress'), type: 'int' }],
  project_updated: [{ expression: p('updated_at'), type: 'timestamptz' }],
  project_last_activity_at: [{ expression: p('last_activity_at'), type: 'timestamptz' }],
  // Byte order, the same on every database (projects_number_id_idx).
  project_number: [{ expression: `${p('number')} COLLATE "C"`, type: 'text', nullable: true }],
  // Clients of the same name are told apart by id: the order that the clients index (company_name, id)
  // and the projects index (client_id, id) produce together, without a sort.
  // Internal projects have neither: they come last ascending, first descending, like due dates.
  client_company_name: [{ expression: c('company_name'), type: 'text', nullable: true }, { expression: p('client_id'), type: 'int', nullable: true }],
} as const satisfies Record<ListSort, readonly SortKey[]>;

/** The filter grammar's conditions (`filter[field][operator]=value`), as the spec defines them. */
type FilterConditions = components['schemas']['ProjectFilterConditions'];

/** How a filter compares a field with the value(s) a client gave. */
export type FilterOperator = 'eq' | 'not_eq' | 'contains' | 'not_contains' | 'gt' | 'gte' | 'lt' | 'lte' | 'in' | 'not_in';
type FilterValue = string | number | boolean;
/** One field's condition: the operator and its value (a list for `in` and `not_in`). */
type FieldCondition = (operator: FilterOperator, value: FilterValue | FilterValue[]) => Fragment;

const list = (value: FilterValue | FilterValue[]): FilterValue[] => (Array.isArray(value) ? value : [value]);
const likePattern = (value: FilterValue) => `%${escapeLike(String(value))}%`;

/**
 * A column of `p` (or an expression over it) compared with bound values cast to `type`. `not_eq`,
 * `not_in` and `not_contains` also match a nullable column's NULL: "not X" includes "no value".
 */
function columnCondition(column: string, type: string, nullable = false): FieldCondition {
  const target = sql.raw(column);
  const cast = (value: FilterValue) => sql`${value}::${sql.raw(type)}`;
  const orNull = (condition: Fragment) => (nullable ? sql`(${target} IS NULL OR ${condition})` : condition);
  return (operator, value) => {
    const one = () => cast(list(value)[0]!);
    switch (operator) {
      case 'eq': return sql`${target} = ${one()}`;
      case 'not_eq': return orNull(sql`${target} <> ${one()}`);
      case 'in': return sql`${target} IN (${sql.join(list(value).map(cast))})`;
      case 'not_in': return orNull(sql`${target} NOT IN (${sql.join(list(value).map(cast))})`);
      case 'contains': return sql`${target} ILIKE ${likePattern(list(value)[0]!)}`;
      case 'not_contains': return orNull(sql`${target} NOT ILIKE ${likePattern(list(value)[0]!)}`);
      case 'gt': return sql`${target} > ${one()}`;
      case 'gte': return sql`${target} >= ${one()}`;
      case 'lt': return sql`${target} < ${one()}`;
      case 'lte': return sql`${target} <= ${one()}`;
    }
  };
}

/**
 * A condition on rows related to the project (its client, assignees or tags): membership of `key`
 * in the ids that `select … WHERE match` finds in the related table. `= ANY(ARRAY(…))` runs the
 * subquery once and probes an index of projects, where a join or EXISTS may be planned as a scan of
 * every project. A negated operator (`not_eq`, …) keeps the projects that no related row matches.
 */
function relatedCondition(key: string, select: string, match: FieldCondition, nullable = false): FieldCondition {
  return (operator, value) => {
    const negated = operator.startsWith('not_');
    const found = sql`${sql.raw(select)} WHERE ${match(operator.replace(/^not_/, '') as FilterOperator, value)}`;
    if (!negated) return sql`${sql.raw(key)} = ANY(ARRAY(${found}))`;
    const none = sql`${sql.raw(key)} <> ALL(ARRAY(${found}))`;
    return nullable ? sql`(${sql.raw(key)} IS NULL OR ${none})` : none;
  };
}

/** Today in UTC, the day `overdue` compares due dates with. */
const TODAY = sql.raw(`(now() AT TIME ZONE 'UTC')::date`);
const OPEN_STATUSES = sql.raw(`${p('status')} IN ('not_started', 'in_progress', 'on_hold')`);
const DUE = sql.raw(p('date_due'));
const overdueCondition: FieldCondition = (operator, value) => {
  const overdue = (list(value)[0] === true) === (operator === 'eq');
  return overdue
    ? sql`(${DUE} < ${TODAY} AND ${OPEN_STATUSES})`
    : sql`(${DUE} IS NULL OR ${DUE} >= ${TODAY} OR NOT ${OPEN_STATUSES})`;
};

/** Every field a list can be filtered on, and how its conditions read in SQL. */
const clients = columnOf('clients');
const assignees = columnOf('project_assignees');
const tags = columnOf('project_tags');

const managerCondition = columnCondition(p('manager_id'), 'int', true);
const assignedCondition = relatedCondition(p('id'), `SELECT ${assignees('project_id')} FROM project_assignees`, columnCondition(assignees('user_id'), 'int'));

export const filterFields = {
  id: columnCondition(p('id'), 'int'),
  number: columnCondition(p('number'), 'text', true),
  title: columnCondition(p('title'), 'text'),
  description: columnCondition(p('description'), 'text', true),
  reference: columnCondition(p('reference'), 'text', true),
  status: columnCondition(p('status'), '"ProjectStatus"'),
  active_state: columnCondition(p('active_state'), '"ActiveState"'),
  project_type: columnCondition(p('project_type'), '"ProjectType"'),
  progress: columnCondition(p('progress'), 'int'),
  client_id: columnCondition(p('client_id'), 'int', true),
  client_company_name: relatedCondition(p('client_id'), `SELECT ${clients('id')} FROM clients`, columnCondition(clients('company_name'), 'text'), true),
  category_id: columnCondition(p('category_id'), 'int'),
  manager_id: managerCondition,
  assigned_id: assignedCondition,
  // Productive's name: assigned or the manager. Negated, neither.
  person_id: (operator, value) => sql`(${sql.join([assignedCondition(operator, value), managerCondition(operator, value)], sql.raw(operator.startsWith('not_') ? ' AND ' : ' OR '))})`,
  tag: relatedCondition(p('id'), `SELECT ${tags('project_id')} FROM project_tags`, columnCondition(tags('title'), 'text')),
  date_start: columnCondition(p('date_start'), 'date'),
  date_due: columnCondition(p('date_due'), 'date', true),
  overdue: overdueCondition,
  created: columnCondition(p('created_at'), 'timestamptz'),
  updated: columnCondition(p('updated_at'), 'timestamptz'),
  last_activity_at: columnCondition(p('last_activity_at'), 'timestamptz'),
  is_template: columnCondition(p('is_template'), 'boolean'),
} satisfies Record<keyof FilterConditions, FieldCondition>;

export type FilterField = keyof typeof filterFields;

/** `search`: the text anywhere in one of the fields of `search_in` (the title alone by default, as on the Grow page). */
function searchCondition(text: string, fields: NonNullable<ListQuery['search_in']> = ['title']): Fragment {
  const arms = [...new Set(fields)].map((field) => filterFields[field]('contains', text));
  return sql`(${sql.join(arms, sql` OR `)})`;
}

/** The simple query parameters, each as the filter field and operator it stands for. */
const simpleFilters = {
  status: ['status', 'in'],
  active_state: ['active_state', 'eq'],
  project_type: ['project_type', 'eq'],
  client_id: ['client_id', 'eq'],
  category_id: ['category_id', 'eq'],
  manager_id: ['manager_id', 'eq'],
  assigned_id: ['assigned_id', 'eq'],
  person_id: ['person_id', 'eq'],
  tag: ['tag', 'eq'],
  date_start_from: ['date_start', 'gte'],
  date_start_to: ['date_start', 'lte'],
  date_due_from: ['date_due', 'gte'],
  date_due_to: ['date_due', 'lte'],
  overdue: ['overdue', 'eq'],
  updated_since: ['updated', 'gte'],
  created_from: ['created', 'gte'],
  created_to: ['created', 'lte'],
  // `filter[field][operator]` parameters reach the handler inside `filter` (the query parser nests them).
} as const satisfies { [K in Exclude<keyof ListQuery, 'search' | 'search_in' | 'sort' | 'order' | 'limit' | 'page' | 'after' | 'fields' | 'include' | 'filter' | `filter[${string}]` | 'custom_fields' | 'custom_field_filter' | 'sort_custom_field' | 'template'>]-?: readonly [FilterField, FilterOperator] };

/** The list's filters as conditions on `p`; every value is a bound parameter. */
function projectFilter(query: ListQuery, customFields: Map<string, CustomFieldRow>): Fragment {
  const conditions: Fragment[] = [sql`TRUE`];
  for (const [parameter, [field, operator]] of Object.entries(simpleFilters)) {
    const value = query[parameter as keyof typeof simpleFilters];
    if (value !== undefined) conditions.push(filterFields[field](operator, value));
  }
  if (query.search) conditions.push(searchCondition(query.search, query.search_in));
  if (query.filter) conditions.push(...grammarConditions(query.filter));
  if (query.custom_fields) conditions.push(...customFieldConditions(query.custom_fields, customFields));
  return sql.join(conditions, sql` AND `);
}

/** Every condition of one set (`filter[…]` or one group): each field's operators, all of them. */
function fieldConditions(set: FilterConditions): Fragment[] {
  return Object.entries(set).flatMap(([field, operators]) =>
    Object.entries(operators as Record<FilterOperator, FilterValue | FilterValue[]>)
      .map(([operator, value]) => filterFields[field as FilterField](operator as FilterOperator, value)));
}

const allOf = (conditions: Fragment[]) => sql`(${sql.join(conditions, sql` AND `)})`;

/**
 * The filter grammar (`filter`): its own conditions, every `and` group, and at least one `or`
 * group. The validator has checked fields, operators, value types and that groups do not nest.
 */
function grammarConditions({ and = [], or = [], ...own }: NonNullable<ListQuery['filter']>): Fragment[] {
  const conditions = [...fieldConditions(own), ...and.map((group) => allOf(fieldConditions(group)))];
  if (or.length > 0) conditions.push(sql`(${sql.join(or.map((group) => allOf(fieldConditions(group))), sql` OR `)})`);
  return conditions;
}

/** The value a sort key's cursor holds: text that casts back to the key's type exactly. */
function cursorText(key: SortKey): RawBuilder<string | null> {
  return key.type === 'timestamptz'
    ? timestampSql(sql.raw<Date | null>(key.expression), 'microseconds')
    : sql.raw(`${key.expression}::text`);
}

/** A row of the list: the project, and its sort keys' values for a cursor after it (null for a custom field's sort). */
export type ProjectListRow = ProjectViewRow & { sort_values: (string | null)[] | null };

/** A row of a list that asked for the extras. */
export type ProjectExtrasListRow = ProjectExtrasRow & ProjectListRow;

/**
 * What an `after` cursor holds: the sort and order it was made for, the sort keys' values of the
 * last project of its page and that project's id. Values rather than only the id: the walk goes on
 * from where that project was, even when it has been changed (and moved) or deleted since.
 */
interface ListCursor { s: ListSort; o: 'asc' | 'desc'; v: (string | null)[]; id: number }

export function projectCursor(query: ListQuery, order: 'asc' | 'desc', row: ProjectListRow): string {
  const cursor: ListCursor = { s: query.sort ?? 'project_created', o: order, v: row.sort_values ?? [], id: row.id };
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

const STATUSES: readonly string[] = ['not_started', 'in_progress', 'on_hold', 'cancelled', 'completed'];
/** Checks a cursor value against its key's type, so that a tampered cursor is a 422, never a failed cast. */
const cursorValueChecks: Record<string, (v: string) => boolean> = {
  text: () => true,
  '"ProjectStatus"': (v) => STATUSES.includes(v),
  date: isCalendarDate,
  timestamptz: (v) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/.test(v) && isCalendarDate(v.slice(0, 10)) && !Number.isNaN(Date.parse(v)),
  int: (v) => /^-?\d{1,10}$/.test(v) && Math.abs(Number(v)) <= 2147483647,
};

/** The `after` cursor of `query`, checked against the request's sort and order. */
function readCursor(query: ListQuery, order: 'asc' | 'desc'): ListCursor {
  const sort = query.sort ?? 'project_created';
  let cursor: Partial<ListCursor>;
  try {
    cursor = JSON.parse(Buffer.from(query.after!, 'base64url').toString('utf8')) as Partial<ListCursor>;
  } catch {
    throw validationFailed({ after: [INVALID_CURSOR_MESSAGE] });
  }
  const keys: readonly SortKey[] = cursor && typeof cursor === 'object' && Object.hasOwn(sortKeys, cursor.s ?? '') ? sortKeys[cursor.s!] : [];
  const valid = typeof cursor === 'object' && cursor !== null && keys.length > 0 && (cursor.o === 'asc' || cursor.o === 'desc')
    && Number.isInteger(cursor.id) && cursor.id! >= 1 && cursor.id! <= 2147483647
    && Array.isArray(cursor.v) && cursor.v.length === keys.length
    && cursor.v.every((v, i) => (v === null ? keys[i]!.nullable === true : typeof v === 'string' && cursorValueChecks[keys[i]!.type]!(v)));
  if (!valid) throw validationFailed({ after: [INVALID_CURSOR_MESSAGE] });
  if (cursor.s !== sort || cursor.o !== order) {
    throw validationFailed({ after: [cursorForOtherSort(String(cursor.s), String(cursor.o))] });
  }
  return cursor as ListCursor;
}

/**
 * The rows after the cursor in the sort's order, as one row comparison over the sort keys and the
 * id (an index range when the keys are one index). A nullable key (the due date) sorts its NULLs
 * last ascending and first descending, as PostgreSQL does, and a comparison with NULL is never true.
 */
function afterCursor(keys: readonly SortKey[], cursor: ListCursor, order: 'asc' | 'desc'): Fragment {
  const after = sql.raw(order === 'asc' ? '>' : '<');
  const columns = sql.raw([...keys.map((key) => key.expression), 'p.id'].join(', '));
  const values = sql.join([...keys.map((key, i) => sql`${cursor.v[i]}::${sql.raw(key.type)}`), sql`${cursor.id}::int`]);
  if (!keys[0]!.nullable) return sql`(${columns}) ${after} (${values})`;
  const column = sql.raw(keys[0]!.expression);
  if (cursor.v[0] === null) {
    return order === 'asc'
      ? sql`(${column} IS NULL AND p.id > ${cursor.id}::int)`
      : sql`((${column} IS NULL AND p.id < ${cursor.id}::int) OR ${column} IS NOT NULL)`;
  }
  return order === 'asc' ? sql`((${columns}) > (${values}) OR ${column} IS NULL)` : sql`(${columns}) < (${values})`;
}

/**
 * `LIMIT n OFFSET m` for a page. A first page (the default, and every page of a cursor) has its row
 * count written into the SQL, one text per `limit`: PostgreSQL plans a bound LIMIT for a tenth of
 * the rows, so it planned the prepared list again on every execution (2.4 ms of the database's 10 ms
 * per page), and with the count written it keeps one plan. A deeper page binds both (one text for
 * every depth, planned each time).
 */
function rowLimit(limit: number, offset: number): Fragment {
  if (offset !== 0) return sql`LIMIT ${limit} OFFSET ${offset}`;
  if (!Number.isSafeInteger(limit) || limit < 0) throw new Error(`not a row count: ${limit}`);
  return sql.raw(`LIMIT ${limit}`);
}

/** The LIMIT of each part of a merged page: as far as the page reaches, written alike. */
const reachOf = (limit: number, offset: number): Fragment => (offset === 0 ? rowLimit(limit, 0) : sql`LIMIT ${limit + offset}`);

/**
 * The projects rows of a page, chosen in the sort's order. The client-name sort reads the projects
 * with a client in the order of the clients and projects indexes together, and the internal ones
 * (no client, so no name: last ascending, first descending) by id, each as far as the page
 * reaches, and merges the two: over a LEFT JOIN the database would sort every project instead.
 */
function pageRows(sort: ListSort | CustomSort, condition: Fragment, orderBy: Fragment, direction: 'ASC' | 'DESC', limit: number, offset: number): Fragment {
  if (typeof sort === 'object') return customFieldPageRows(sort, condition, direction, limit, offset);
  if (sort !== 'client_company_name') {
    return sql`SELECT p.* FROM ${ORGANIZATION_PROJECTS} p WHERE ${condition} ORDER BY ${orderBy} ${rowLimit(limit, offset)}`;
  }
  const order = sql.raw(direction);
  const reach = reachOf(limit, offset);
  const [name, clientId, projectClient, projectId] = [c('company_name'), c('id'), p('client_id'), p('id')].map((column) => sql.raw(column));
  return sql`
    SELECT * FROM (
      (SELECT p.*, ${name} AS client_name_key FROM ${ORGANIZATION_PROJECTS} p JOIN clients c ON ${clientId} = ${projectClient}
        WHERE ${condition} ORDER BY ${orderBy} ${reach})
      UNION ALL
      (SELECT p.*, NULL::text AS client_name_key FROM ${ORGANIZATION_PROJECTS} p LEFT JOIN clients c ON false
        WHERE ${projectClient} IS NULL AND ${condition} ORDER BY ${projectId} ${order} ${reach})
    ) p ORDER BY p.client_name_key ${order}, ${projectClient} ${order}, ${projectId} ${order} ${rowLimit(limit, offset)}`;
}

/**
 * The rows of a page sorted by a custom field: the projects with a value in the order of the
 * field's value index, then (ascending; first descending) those without one by id, each as far as
 * the page reaches, merged, as the client-name sort does.
 */
function customFieldPageRows(sort: CustomSort, condition: Fragment, direction: 'ASC' | 'DESC', limit: number, offset: number): Fragment {
  const order = sql.raw(direction);
  const key = sql.raw(sort.expression);
  const reach = reachOf(limit, offset);
  const [valueProject, valueField, projectId] = [v('project_id'), v('field_id'), p('id')].map((column) => sql.raw(column));
  return sql`
    SELECT * FROM (
      (SELECT p.*, ${key} AS custom_sort_key FROM ${ORGANIZATION_PROJECTS} p JOIN project_custom_values v ON ${valueProject} = ${projectId} AND ${valueField} = ${sort.fieldId}
        WHERE ${condition} ORDER BY ${key} ${order}, ${projectId} ${order} ${reach})
      UNION ALL
      (SELECT p.*, NULL::${sql.raw(sort.sqlType)} AS custom_sort_key FROM ${ORGANIZATION_PROJECTS} p
        WHERE NOT EXISTS (SELECT 1 FROM project_custom_values v WHERE ${valueProject} = ${projectId} AND ${valueField} = ${sort.fieldId})
          AND ${condition} ORDER BY ${projectId} ${order} ${reach})
    ) p ORDER BY p.custom_sort_key ${order}, ${projectId} ${order} ${rowLimit(limit, offset)}`;
}

/** The sort a list asks for: a custom field (`sort_custom_field`, page mode only, before `sort`), or a sort column. */
function listSort(query: ListQuery, customFields: Map<string, CustomFieldRow>): ListSort | CustomSort {
  if (query.sort_custom_field === undefined) return query.sort ?? 'project_created';
  if (query.after !== undefined) throw validationFailed({ after: [AFTER_WITH_CUSTOM_SORT_MESSAGE] });
  return customSort(customFields.get(query.sort_custom_field)!);
}

/** A list page's statements: its rows, and (in page mode) the total. */
export interface ListStatements<Row> { page: Statement<Row>; count?: Statement<{ total: number }> }

/**
 * The statements of a page of `GET /api/projects`: the page of rows and, in page mode, the total.
 * In cursor mode (`after`) there is no count, and the page reads one row more than `limit`, to tell
 * whether another page follows. Built here, apart from the handler, so that a test can EXPLAIN
 * exactly what runs (every filter and sort must use an index).
 */
export function projectListStatements(query: ListQuery, window: PageWindow, customFields: Map<string, CustomFieldRow>, options: { extras: true }): ListStatements<ProjectExtrasListRow>;
export function projectListStatements(query: ListQuery, window: PageWindow, customFields?: Map<string, CustomFieldRow>): ListStatements<ProjectListRow>;
export function projectListStatements(query: ListQuery, window: PageWindow, customFields = new Map<string, CustomFieldRow>(), { extras = false }: { extras?: boolean } = {}): ListStatements<ProjectListRow> {
  const filtered = projectFilter(query, customFields);
  // Templates are left out unless the list asks for them (`template`).
  const template = query.template ?? 'exclude';
  const where = template === 'include' ? filtered : sql`${filtered} AND ${filterFields.is_template('eq', template === 'only')}`;
  const sort = listSort(query, customFields);
  // A custom field's sort has no cursor mode: its rows carry no cursor values.
  const keys: readonly SortKey[] = typeof sort === 'object' ? [{ expression: 'p.custom_sort_key', type: sort.sqlType }] : sortKeys[sort];
  const direction = window.order === 'asc' ? 'ASC' : 'DESC';
  const orderBy = sql.raw([...keys.map((key) => key.expression), 'p.id'].map((e) => `${e} ${direction}`).join(', '));
  const sortValues = typeof sort === 'object' ? sql<null>`NULL` : sql<(string | null)[]>`json_build_array(${sql.join(keys.map(cursorText))})`;
  const view = viewAround(extras);
  const chosen = (condition: Fragment, limit: number, offset: number) => sql<ProjectListRow>`${sql.raw(view.select)}, ${sortValues} as "sort_values" from (${pageRows(sort, condition, orderBy, direction, limit, offset)}) as "p"${sql.raw(view.joins)} order by ${orderBy}`;
  if (query.after !== undefined) {
    if (window.page !== 1) throw validationFailed({ page: [PAGE_WITH_AFTER_MESSAGE] });
    return { page: chosen(sql`${where} AND ${afterCursor(keys, readCursor(query, window.order), window.order)}`, window.take + 1, 0) };
  }
  return {
    // The page's rows are chosen first: the joins and aggregates run for those rows only, not for
    // every row an OFFSET skips (a deep page would otherwise compute them for the whole table).
    page: chosen(where, window.take, window.skip),
    // Without templates: every match less the matching templates, found through their own index. A
    // condition on is_template in the count would read each matching row from the table where the
    // filter's index alone answers (35 ms instead of 4 for 35,000 matches).
    count: template === 'exclude'
      ? sql<{ total: number }>`SELECT ((SELECT count(*) FROM ${ORGANIZATION_PROJECTS} p WHERE ${filtered}) - (SELECT count(*) FROM ${ORGANIZATION_PROJECTS} p WHERE ${filtered} AND ${sql.raw(p('is_template'))}))::int AS total`
      : sql<{ total: number }>`SELECT count(*)::int AS total FROM ${ORGANIZATION_PROJECTS} p WHERE ${where}`,
  };
}
