// Loads a realistic demo set into an empty database: clients, categories, a team, and projects
// with tasks, milestones, timers, files, invoices, estimates and comments. Ids line up with the examples of
// the Grow CRM documentation (client 12 "Acme Inc", category 3 "Development", team users 2, 5 and 8,
// project 42 "Website Redesign"), so the documented curl lines work verbatim against it.
import type { PrismaClient } from '../../generated/prisma/client.ts';
import { nextVersion } from '../projects/store.ts';
import type { DB } from '../platform/database/sql.ts';
import { moveIdSequencesPastRows } from '../platform/database/sequences.ts';
import { continueNumbersAfter } from '../projects/numbers.ts';
import { rowKey } from '../platform/database/tenancy.ts';

/** A small deterministic generator, so every seeded database is the same. */
function random(seed: number) {
  let state = seed;
  const next = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648);
  return { next, pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!, int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)) };
}

const clientNames = ['Northwind Traders', 'Contoso Ltd', 'Fabrikam', 'Globex', 'Initech', 'Umbrella Health', 'Stark Logistics', 'Wayne Foods', 'Hooli', 'Vandelay Industries', 'Soylent Farms', 'Acme Inc'];
const categoryNames = ['Design', 'Marketing', 'Development', 'Consulting'];
const team = [
  ['John', 'Smith'], ['Maria', 'Garcia'], ['Wei', 'Chen'], ['Jane', 'Doe'], ['Omar', 'Haddad'], ['Priya', 'Patel'], ['Sam', 'Lee'],
] as const;
const projectWords = ['Website', 'Mobile App', 'Brand', 'CRM', 'Checkout', 'Newsletter', 'Intranet', 'Data Warehouse', 'Support Portal'];
const projectActions = ['Redesign', 'Launch', 'Migration', 'Audit', 'Refresh', 'Integration', 'Rollout'];
const taskTitles = ['Kick-off meeting', 'Requirements', 'Wireframes', 'Visual design', 'Build', 'Content', 'QA', 'Launch checklist', 'Handover'];
const demoComments = ['The client approved the wireframes.', 'Waiting for the final copy from marketing.'];
const statuses = ['not_started', 'in_progress', 'in_progress', 'on_hold', 'completed', 'cancelled'] as const;
const PROJECTS = 45;
/** Demo data is written by no team user: its projects have no `last_actor`. */
const DEMO_ACTOR = null;

/** The tables whose rows the demo data inserts with their ids. */
const SEEDED_TABLES = ['users', 'clients', 'categories', 'projects', 'tasks', 'task_checklist_items', 'task_files', 'milestones', 'timers', 'project_files', 'invoices', 'estimates'] as const satisfies (keyof DB)[];

async function insertDemoData(prisma: PrismaClient) {
  const r = random(42);
  await prisma.$transaction(async (tx) => {
    await tx.client.createMany({ data: clientNames.map((companyName, i) => ({ id: i + 1, companyName })) });
    await tx.category.createMany({ data: categoryNames.map((name, i) => ({ id: i + 1, name })) });
    await tx.user.createMany({
      data: team.map(([firstName, lastName], i) => ({ id: i + 2, firstName, lastName, email: `${firstName}.${lastName}@grow-demo.test`.toLowerCase() })),
    });
    const userIds = team.map((_, i) => i + 2);
    for (let id = 1; id <= PROJECTS; id++) {
      const isExample = id === 42;
      const start = new Date(Date.UTC(2026, r.int(0, 10), r.int(1, 28)));
      const due = new Date(start.getTime() + r.int(20, 120) * 86_400_000);
      const clientId = isExample ? 12 : r.int(1, clientNames.length);
      await tx.project.create({
        data: {
          id,
          // The default format's numbers; the sequence is moved past them below.
          number: `P-${String(id).padStart(5, '0')}`,
          title: isExample ? 'Website Redesign' : `${r.pick(projectWords)} ${r.pick(projectActions)}`,
          description: isExample ? 'Full redesign of the marketing website.' : null,
          status: isExample ? 'in_progress' : r.pick(statuses),
          clientId,
          categoryId: isExample ? 3 : r.int(1, categoryNames.length),
          creatorId: 1,
          managerId: isExample ? 2 : r.pick(userIds),
          dateStart: isExample ? new Date('2026-06-01T00:00:00Z') : start,
          dateDue: isExample ? new Date('2026-08-30T00:00:00Z') : due,
          billingType: r.next() < 0.7 ? 'hourly' : 'fixed',
          billingRate: isExample ? 120 : r.pick([80, 95, 110, 120, 150]),
          billingEstimatedHours: isExample ? 80 : r.int(10, 400),
          clientpermTasksView: true,
          clientpermTasksCollaborate: r.next() < 0.5,
          assignees: { create: [...new Set([r.pick(userIds), r.pick(userIds), isExample ? 5 : r.pick(userIds)])].map((userId) => ({ userId })) },
          tags: { create: (isExample ? ['priority', 'q3'] : r.next() < 0.5 ? [`q${r.int(1, 4)}`] : []).map((title, position) => ({ title, position })) },
          milestones: { create: [{ title: 'Discovery complete' }, { title: 'Design sign-off' }, { title: 'Go live' }].slice(0, r.int(1, 3)) },
          files: { create: [{ name: 'statement-of-work.pdf', url: `https://files.grow-demo.test/projects/${id}/sow.pdf` }] },
          comments: { create: demoComments.slice(0, isExample ? 2 : r.int(0, 2)).map((text) => ({ text, creatorId: isExample ? 5 : r.pick(userIds) })) },
          invoices: r.next() < 0.6 ? { create: [{ clientId, status: r.pick(['draft', 'due', 'paid'] as const), date: due, dueDate: new Date(due.getTime() + 30 * 86_400_000), amount: r.int(5, 80) * 100 }] } : undefined,
          estimates: { create: [{ clientId, status: r.pick(['accepted', 'new', 'declined'] as const), date: start, expiryDate: new Date(start.getTime() + 30 * 86_400_000), amount: r.int(5, 120) * 100 }] },
        },
      });
      const taskCount = r.int(2, taskTitles.length);
      let completed = 0;
      for (let i = 0; i < taskCount; i++) {
        const done = r.next() < 0.45;
        if (done) completed++;
        const task = await tx.task.create({
          data: {
            projectId: id,
            title: taskTitles[i]!,
            status: done ? 'completed' : r.pick(['new', 'in_progress', 'testing', 'awaiting_feedback'] as const),
            checklist: { create: ['Draft', 'Review', 'Approve'].map((text, position) => ({ text, position, completed: done })) },
          },
        });
        if (r.next() < 0.3) {
          const startedAt = new Date(Date.now() - r.int(600, 14_400) * 1000);
          const running = r.next() < 0.3;
          await tx.timer.create({
            data: {
              projectId: id, taskId: task.id, userId: r.pick(userIds), startedAt,
              stoppedAt: running ? null : new Date(startedAt.getTime() + 1800_000),
              durationSeconds: running ? null : 1800,
            },
          });
        }
      }
      await tx.project.update({ where: rowKey(id), data: { progress: isExample ? 40 : Math.floor((completed * 100) / taskCount), progressManually: isExample, ...nextVersion(DEMO_ACTOR) } });
    }
    await continueNumbersAfter(tx, PROJECTS);
  }, { timeout: 120_000 });
  await moveIdSequencesPastRows(prisma, SEEDED_TABLES);
}

/** Fills an empty database; refuses (false, nothing written) when it already holds data. */
export async function seedDemoData(prisma: PrismaClient): Promise<{ seeded: boolean; summary: string }> {
  const [projects, clients, users] = await Promise.all([prisma.project.count(), prisma.client.count(), prisma.user.count()]);
  if (projects + clients > 0 || users > 1) {
    return { seeded: false, summary: 'The database already holds data; db:seed only fills an empty database. Nothing was changed.' };
  }
  await insertDemoData(prisma);
  return { seeded: true, summary: `Seeded ${clientNames.length} clients, ${categoryNames.length} categories, ${team.length} team users and ${PROJECTS} projects.` };
}
