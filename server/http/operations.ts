// Every operationId of the contract → its handler. HandlerRegistry makes a missing one a type error.
import type { HandlerRegistry } from '../contract/operations.ts';
import * as categories from '../categories/handlers.ts';
import * as clients from '../clients/handlers.ts';
import * as comments from '../projects/comments/handlers.ts';
import * as customFields from '../projects/custom-fields/handlers.ts';
import * as duplications from '../projects/duplication/handlers.ts';
import * as estimates from '../projects/estimates/handlers.ts';
import * as events from '../events/handlers.ts';
import * as files from '../projects/files/handlers.ts';
import * as invoices from '../projects/invoices/handlers.ts';
import * as milestones from '../projects/milestones/handlers.ts';
import * as projects from '../projects/handlers.ts';
import * as team from '../team/handlers.ts';
import * as tasks from '../projects/tasks/handlers.ts';
import * as timers from '../projects/timers/handlers.ts';
import * as activities from '../projects/activities/handlers.ts';
import * as access from '../api-keys/handlers.ts';
import * as webhooks from '../webhooks/handlers.ts';

export const handlers: HandlerRegistry = {
  ...projects, ...clients, ...categories, ...team, ...tasks, ...milestones, ...timers, ...files, ...invoices, ...estimates, ...comments, ...events, ...webhooks,
  ...customFields, ...duplications, ...activities, ...access,
};
