// Every operationId of the contract → its handler. HandlerRegistry makes a missing one a type error.
import type { HandlerRegistry } from './types.ts';
import * as categories from './categories.ts';
import * as clients from './clients.ts';
import * as comments from './comments.ts';
import * as customFields from './custom-fields.ts';
import * as duplications from './duplications.ts';
import * as estimates from './estimates.ts';
import * as events from './events.ts';
import * as files from './files.ts';
import * as invoices from './invoices.ts';
import * as milestones from './milestones.ts';
import * as projects from './projects.ts';
import * as team from './team.ts';
import * as tasks from './tasks.ts';
import * as timers from './timers.ts';
import * as webhooks from './webhooks.ts';

export const handlers: HandlerRegistry = {
  ...projects, ...clients, ...categories, ...team, ...tasks, ...milestones, ...timers, ...files, ...invoices, ...estimates, ...comments, ...events, ...webhooks,
  ...customFields, ...duplications,
};
