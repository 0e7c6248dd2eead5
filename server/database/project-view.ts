// Projects read in one statement each: the row with its client, category and manager joined, and its
// assignees and tags aggregated, with dates and amounts already rendered as the API shows them.
// Prisma's include issues one query per relation (8 for one project); this is one round trip, and
// it leaves the mapper (server/mappers.ts toProject) little to build and the collector little to free.
import { Prisma } from '../../generated/prisma/client.ts';
import type { operations } from '../../generated/api-types.ts';
import { escapeLike, type Db, type PageWindow } from '../handlers/shared.ts';

export type ListQuery = NonNullable<operations['listProjects']['parameters']['query']>;

/** One row of PROJECT_COLUMNS: what toProject turns into the API's project. */
export interface ProjectViewRow {
  id: number;
  title: string;
  description: string | null;
  reference: string | null;
  status: 'not_started' | 'in_progress' | 'on_hold' | 'cancelled' | 'completed';
  active_state: 'active' | 'archived';
  progress: number;
  progress_manually: boolean;
  client_id: number;
  client_name: string;
  category_id: number;
  category_name: string;
  /** `YYYY-MM-DD` */
  date_start: string;
  date_due: string | null;
  /** `2026-06-15T09:30:00.123000Z`: milliseconds, padded to microseconds as the API has always shown them. */
  created: string;
  updated: string;
  billing_type: 'hourly' | 'fixed';
  /** Two decimals, as text. */
  billing_rate: string;
  billing_estimated_hours: number;
  billing_costs_estimate: string;
  clientperm_tasks_view: boolean;
  clientperm_tasks_collaborate: boolean;
  clientperm_tasks_create: boolean;
  clientperm_timesheets_view: boolean;
  clientperm_expenses_view: boolean;
  assignedperm_tasks_collaborate: boolean;
  manager_id: number | null;
  manager_name: string | null;
  assigned: { id: number; name: string }[];
  tags: string[];
  /** The row's version: the project's ETag (server/entity-tags.ts). */
  version: number;
}

const TIMESTAMP_FORMAT = `'YYYY-MM-DD"T"HH24:MI:SS.MS"000Z"'`;

const PROJECT_COLUMNS = Prisma.raw(`
SELECT p.id, p.title, p.description, p.reference, p.status::text AS status, p.active_state::text AS active_state,
       p.progress, p.progress_manually,
       p.client_id, c.company_name AS client_name, p.category_id, k.name AS category_name,
       to_char(p.date_start, 'YYYY-MM-DD') AS date_start, to_char(p.date_due, 'YYYY-MM-DD') AS date_due,
       to_char(p.created_at AT TIME ZONE 'UTC', ${TIMESTAMP_FORMAT}) AS created,
       to_char(p.updated_at AT TIME ZONE 'UTC', ${TIMESTAMP_FORMAT}) AS updated,
       p.billing_type::text AS billing_type, p.billing_rate::text AS billing_rate,
       p.billing_estimated_hours::float8 AS billing_estimated_hours, p.billing_costs_estimate::text AS billing_costs_estimate,
       p.clientperm_tasks_view, p.clientperm_tasks_collaborate, p.clientperm_tasks_create,
       p.clientperm_timesheets_view, p.clientperm_expenses_view, p.assignedperm_tasks_collaborate,
       m.id AS manager_id, m.first_name || ' ' || m.last_name AS manager_name,
       COALESCE((SELECT json_agg(json_build_object('id', u.id, 'name', u.first_name || ' ' || u.last_name) ORDER BY a.user_id)
                   FROM project_assignees a JOIN users u ON u.id = a.user_id WHERE a.project_id = p.id), '[]') AS assigned,
       COALESCE((SELECT json_agg(t.title ORDER BY t.position) FROM project_tags t WHERE t.project_id = p.id), '[]') AS tags,
       p.version`);

/** Joined to `p`, a set of projects rows. */
const PROJECT_JOINS = Prisma.raw(`
  JOIN clients c ON c.id = p.client_id
  JOIN categories k ON k.id = p.category_id
  LEFT JOIN users m ON m.id = p.manager_id`);

/** The project with this id, or undefined. */
export async function findProjectView(db: Db, id: number): Promise<ProjectViewRow | undefined> {
  const rows = await db.$queryRaw<ProjectViewRow[]>`${PROJECT_COLUMNS} FROM projects p ${PROJECT_JOINS} WHERE p.id = ${id}`;
  return rows[0];
}

/**
 * What each sort orders by. Titles in the Unicode root collation, the same on every database
 * (projects_title_icu_id_idx); statuses in the enum's order, the workflow order the spec lists.
 */
const sortColumns = {
  project_title: 'p.title COLLATE "und-x-icu"',
  project_status: 'p.status',
  project_date_start: 'p.date_start',
  project_date_due: 'p.date_due',
  project_created: 'p.created_at',
  project_progress: 'p.progress',
} as const satisfies Record<NonNullable<ListQuery['sort']>, string>;

/** The list's filters as conditions on `p`; every value is a bound parameter. */
function projectFilter(query: ListQuery): Prisma.Sql {
  const conditions: Prisma.Sql[] = [Prisma.sql`TRUE`];
  if (query.status !== undefined) conditions.push(Prisma.sql`p.status = ${query.status}::"ProjectStatus"`);
  if (query.active_state !== undefined) conditions.push(Prisma.sql`p.active_state = ${query.active_state}::"ActiveState"`);
  if (query.client_id !== undefined) conditions.push(Prisma.sql`p.client_id = ${query.client_id}`);
  if (query.category_id !== undefined) conditions.push(Prisma.sql`p.category_id = ${query.category_id}`);
  if (query.search) conditions.push(Prisma.sql`p.title ILIKE ${`%${escapeLike(query.search)}%`}`);
  return Prisma.join(conditions, ' AND ');
}

/**
 * The two statements of a page of `GET /api/projects`: the page of rows and the total. Built here,
 * apart from the handler, so that a test can EXPLAIN exactly what runs (every filter and sort must
 * use an index).
 */
export function projectListStatements(query: ListQuery, window: PageWindow): { page: Prisma.Sql; count: Prisma.Sql } {
  const where = projectFilter(query);
  const direction = Prisma.raw(window.order === 'asc' ? 'ASC' : 'DESC');
  const column = Prisma.raw(sortColumns[query.sort ?? 'project_created']);
  return {
    // The page's rows are chosen first: the joins and aggregates run for those rows only, not for
    // every row an OFFSET skips (a deep page would otherwise compute them for the whole table).
    page: Prisma.sql`${PROJECT_COLUMNS}
      FROM (SELECT * FROM projects p WHERE ${where} ORDER BY ${column} ${direction}, p.id ${direction} LIMIT ${window.take} OFFSET ${window.skip}) p
      ${PROJECT_JOINS} ORDER BY ${column} ${direction}, p.id ${direction}`,
    count: Prisma.sql`SELECT count(*)::int AS total FROM projects p WHERE ${where}`,
  };
}
