// A project in the API's shape, from the row of its view (view.ts).
import type { components, operations } from '../../generated/api-types.ts';
import type { ProjectExtrasRow, ProjectViewRow } from './view.ts';

type Schemas = components['schemas'];

const yesNo = (flag: boolean): 'yes' | 'no' => (flag ? 'yes' : 'no');

/** Productive's fields of a project that a client asks for (`include`, or naming them in `fields`); the Grow page's project has neither. */
export type ProjectExtra = NonNullable<NonNullable<operations['getProject']['parameters']['query']>['include']>[number];

const extras = {
  last_actor: (row) => (row.last_actor_id === null ? null : { id: row.last_actor_id, name: row.last_actor_name! }),
  template_object: (row) => (row.template_id === null ? null : { id: row.template_id, title: row.template_title! }),
} as const satisfies { [K in ProjectExtra]: (row: ProjectExtrasRow) => Schemas['Project'][K] };

export const PROJECT_EXTRAS = Object.keys(extras) as ProjectExtra[];

/** The project as the Grow page shows it. */
export function toProject(row: ProjectViewRow): Schemas['Project'] {
  return {
    id: row.id,
    title: row.title,
    number: row.number,
    project_type: row.project_type,
    description: row.description,
    reference: row.reference,
    status: row.status,
    active_state: row.active_state,
    archived_at: row.archived_at,
    progress: row.progress,
    progress_manually: yesNo(row.progress_manually),
    client: row.client_id === null ? null : { id: row.client_id, name: row.client_name! },
    category: { id: row.category_id, name: row.category_name },
    dates: { start: row.date_start, due: row.date_due, created: row.created, updated: row.updated },
    last_activity_at: row.last_activity_at,
    billing: {
      type: row.billing_type,
      rate: row.billing_rate,
      estimated_hours: row.billing_estimated_hours,
      costs_estimate: row.billing_costs_estimate,
    },
    totals: {
      time: { estimated_hours: row.billing_estimated_hours, worked_hours: row.worked_hours, remaining_hours: row.remaining_hours },
      money: { estimated: row.money_estimated, invoiced: row.money_invoiced, paid: row.money_paid, outstanding: row.money_outstanding },
    },
    custom_fields: row.custom_fields,
    permissions: {
      clientperm_tasks_view: yesNo(row.clientperm_tasks_view),
      clientperm_tasks_collaborate: yesNo(row.clientperm_tasks_collaborate),
      clientperm_tasks_create: yesNo(row.clientperm_tasks_create),
      clientperm_timesheets_view: yesNo(row.clientperm_timesheets_view),
      clientperm_expenses_view: yesNo(row.clientperm_expenses_view),
      assignedperm_tasks_collaborate: yesNo(row.assignedperm_tasks_collaborate),
    },
    assigned: row.assigned,
    managers: row.manager_id === null ? [] : [{ id: row.manager_id, name: row.manager_name! }],
    tags: row.tags,
    is_template: row.is_template,
  };
}

/** The project with the extras asked for, from a row read with them (view.ts projectViewWithExtras). */
export function toProjectWithExtras(row: ProjectExtrasRow, include: readonly ProjectExtra[]): Schemas['Project'] {
  const project = toProject(row);
  for (const extra of include) Object.assign(project, { [extra]: extras[extra](row) });
  return project;
}
