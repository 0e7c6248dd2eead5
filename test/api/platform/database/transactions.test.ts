// Every statement of a unit of work runs in its transaction or not at all, also when the transaction
// ends (its timeout fires) while the work is still running. The faults are real: an adapter
// transaction ended under a statement, a trigger that makes an insert outlive the transaction, a row
// lock held from another connection, and many concurrent writes under the shortest transaction
// timeout; afterwards the database is read directly and compared with what the clients were told.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlDriverAdapterFactory, SqlQuery, Transaction } from '@prisma/driver-adapter-utils';
import { refuseStatementsAfterTransactionEnd } from '../../../../server/platform/database/ended-transactions.ts';
import { PROJECT_ARCHIVED_MESSAGE } from '../../../../server/core/messages.ts';
import { createFixtures, startTestServer, type ApiResponse, type Fixtures, type TestServer } from '../../../helpers/server.ts';
import { until } from '../../../helpers/wait.ts';
import { asSystem } from '../../../../server/platform/database/tenancy.ts';

const DATABASE_URL = process.env.DATABASE_URL;

function insertCategory(name: string): SqlQuery {
  return { sql: 'INSERT INTO categories (organization_id, name) VALUES (1, $1)', args: [name], argTypes: [{ scalarType: 'string', arity: 'scalar' }] };
}

/** Ends `tx` as Prisma's transaction manager does: ROLLBACK sent, then the adapter told (or only told, where it sends it itself). */
function endAsPrismaDoes(tx: Transaction): Promise<void> {
  if (tx.options.usePhantomQuery) return tx.rollback();
  return tx.executeRaw({ sql: 'ROLLBACK', args: [], argTypes: [] }).then(() => tx.rollback());
}

/** Sends a statement on `tx` right behind its end, before the end has completed: what a query plan cut by a timeout does. */
async function statementBehindTheEnd(factory: SqlDriverAdapterFactory, name: string): Promise<'sent' | 'refused'> {
  const adapter = await factory.connect();
  try {
    const tx = await adapter.startTransaction();
    await tx.executeRaw(insertCategory(`${name} inside`));
    const ended = endAsPrismaDoes(tx);
    const late = tx.executeRaw(insertCategory(`${name} late`)).then(() => 'sent' as const, (error) => {
      expect(error.cause).toMatchObject({ kind: 'TransactionAlreadyClosed' });
      return 'refused' as const;
    });
    await ended;
    return await late;
  } finally {
    await adapter.dispose();
  }
}

async function categoryNames(t: TestServer, prefix: string): Promise<string[]> {
  const rows = await t.db.prisma.category.findMany({ where: { name: { startsWith: prefix } }, select: { name: true }, orderBy: { name: 'asc' } });
  return rows.map((row) => row.name);
}

describe('a statement of a transaction that has ended', () => {
  let t: TestServer;
  beforeAll(async () => { t = await startTestServer(); });
  afterAll(async () => { await t?.close(); });

  it('reached the database through the bare driver adapter, outside any transaction (the defect the guard exists for)', async () => {
    expect(await statementBehindTheEnd(t.db.adapterFactory, 'bare')).toBe('sent');
    expect(await categoryNames(t, 'bare')).toEqual(['bare late']);
  });

  it('is refused by the guarded adapter the server uses, and nothing of the transaction is kept', async () => {
    expect(await statementBehindTheEnd(refuseStatementsAfterTransactionEnd(t.db.adapterFactory), 'guarded')).toBe('refused');
    expect(await categoryNames(t, 'guarded')).toEqual([]);
  });
});

/**
 * `t` whose requests are sent again while they answer 503, as a client told to retry would: the
 * setup of a test that runs its server with the shortest transaction timeout must not depend on how
 * fast a busy machine is.
 */
function retrying(t: TestServer): TestServer {
  return {
    ...t,
    api: (method, path, options) => until(`${method} ${path} to answer other than 503`, async () => {
      const response = await t.api(method, path, options);
      return response.status === 503 ? false : response;
    }),
  };
}

/** What the checks of an error answer need to see. */
function expectBusyAnswer(response: ApiResponse): void {
  expect(response.status).toBe(503);
  expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
  expect(Object.keys(response.body)).toEqual(['message']);
}

if (DATABASE_URL) describe('PostgreSQL: a change whose statement outlives its transaction', () => {
  let t: TestServer;
  let f: Fixtures;
  beforeAll(async () => {
    t = await startTestServer({ env: { DATABASE_TRANSACTION_TIMEOUT_MS: '100' } });
    f = await createFixtures(retrying(t));
    // A task titled "slow…" takes 300 ms to insert: longer than the whole transaction may last.
    // The schema is the tables' owner's: made as the system.
    await asSystem(() => t.db.prisma.$executeRawUnsafe(`CREATE FUNCTION slow_task_insert() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.title LIKE 'slow%' THEN PERFORM pg_sleep(0.3); END IF; RETURN NEW; END $$`));
    await asSystem(() => t.db.prisma.$executeRawUnsafe('CREATE TRIGGER slow_task_insert BEFORE INSERT ON tasks FOR EACH ROW EXECUTE FUNCTION slow_task_insert()'));
  });
  afterAll(async () => { await t?.close(); });

  async function newProject(title: string): Promise<{ id: number; version: number }> {
    const response = await retrying(t).api('POST', '/api/projects', { json: { project_clientid: f.client.id, project_categoryid: f.category.id, project_title: title, project_date_start: '2026-06-01' } });
    expect(response.status).toBe(201);
    return { id: response.body.data.id, version: (await t.db.prisma.project.findFirstOrThrow({ where: { id: response.body.data.id } })).version };
  }

  it('a task with checklist and files: 503 with Retry-After, and no task, item, file, event or project change is kept', async () => {
    const project = await newProject('Slow tasks');
    const eventsBefore = await t.db.prisma.event.count();
    const response = await t.api('POST', `/api/projects/${project.id}/tasks`, {
      json: { task_title: 'slow task', task_checklist: ['One', 'Two', 'Three'], task_files: [{ file_name: 'a.pdf', file_url: 'https://files.acme.test/a.pdf' }] },
    });
    expectBusyAnswer(response);
    // The statements cut off by the timeout are refused (or rolled back): nothing of the unit remains.
    expect(await t.db.prisma.task.count({ where: { projectId: project.id } })).toBe(0);
    expect(await t.db.prisma.taskChecklistItem.count()).toBe(0);
    expect(await t.db.prisma.taskFile.count()).toBe(0);
    expect(await t.db.prisma.event.count()).toBe(eventsBefore);
    expect((await t.db.prisma.project.findFirstOrThrow({ where: { id: project.id } })).version).toBe(project.version);
    // The connection went back to the pool with its transaction rolled back, not left open.
    await until('no connection left idle in a transaction', async () => (await asSystem(() => t.db.prisma.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'`))[0]!.n === 0);
  });
});

if (DATABASE_URL) describe('PostgreSQL: a change under a project writes the project row last', () => {
  let t: TestServer;
  let f: Fixtures;
  let holder: pg.Client;
  beforeAll(async () => {
    t = await startTestServer();
    f = await createFixtures(t);
    holder = new pg.Client({ connectionString: DATABASE_URL });
    await holder.connect();
  });
  afterAll(async () => {
    await holder?.end();
    await t?.close();
  });

  it('a comment waiting for the row sees the archive that came first: 422, and nothing is kept', async () => {
    const project = (await t.api('POST', '/api/projects', { json: { project_clientid: f.client.id, project_categoryid: f.category.id, project_title: 'Archived meanwhile', project_date_start: '2026-06-01' } })).body.data;
    await holder.query('BEGIN');
    await holder.query('SELECT 1 FROM projects WHERE id = $1 FOR NO KEY UPDATE', [project.id]);
    const comment = t.api('POST', `/api/projects/${project.id}/comments`, { json: { comment_text: 'written while archived' } });
    // The comment is inserted, and the change waits for the row, which the holder keeps.
    // Read outside the holder's transaction, whose view of pg_stat_activity would stay as first read.
    // As the system: the server's role sees no other session's statement text.
    await until('the comment to wait for the project row', async () => (await asSystem(() => t.db.prisma.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%update "projects" set "last_activity_at"%'`))[0]!.n === 1);
    await holder.query('UPDATE projects SET archived_at = now() WHERE id = $1', [project.id]);
    await holder.query('COMMIT');
    const answer = await comment;
    expect([answer.status, answer.body.errors]).toEqual([422, { id: [PROJECT_ARCHIVED_MESSAGE] }]);
    expect(await t.db.prisma.projectComment.count({ where: { projectId: project.id } })).toBe(0);
  });
});

describe('16 clients writing under a short transaction timeout', () => {
  const CLIENTS = 16;
  const ROUNDS = 2;
  let t: TestServer;
  let f: Fixtures;
  const hot: number[] = [];
  let source: { id: number; tasks: number; milestones: number; checklist: number; files: number };
  let taskOfHot: Map<number, number>;
  /** A team user for each client's round, assigned by that round's request alone. */
  const roundUser = new Map<string, number>();

  beforeAll(async () => {
    t = await startTestServer({ env: { DATABASE_TRANSACTION_TIMEOUT_MS: '250' } });
    const setup = retrying(t);
    f = await createFixtures(setup);
    await setup.api('POST', '/api/custom-fields', { json: { custom_field_key: 'note', custom_field_name: 'Note', custom_field_type: 'text' } });
    const base = { project_clientid: f.client.id, project_categoryid: f.category.id, project_date_start: '2026-06-01' };
    for (let i = 0; i < 4; i += 1) hot.push((await setup.api('POST', '/api/projects', { json: { ...base, project_title: `Hot ${i}` } })).body.data.id);
    taskOfHot = new Map();
    for (const id of hot) taskOfHot.set(id, (await setup.api('POST', `/api/projects/${id}/tasks`, { json: { task_title: 'Timer task' } })).body.data.id);
    const sourceId = (await setup.api('POST', '/api/projects', { json: { ...base, project_title: 'Clone source' } })).body.data.id;
    for (let i = 0; i < 3; i += 1) {
      await setup.api('POST', `/api/projects/${sourceId}/tasks`, { json: { task_title: `Source task ${i}`, task_checklist: ['a', 'b'], task_files: [{ file_name: 'f.pdf', file_url: 'https://files.acme.test/f.pdf' }] } });
    }
    await setup.api('POST', `/api/projects/${sourceId}/milestones`, { json: { milestone_title: 'Source milestone' } });
    source = { id: sourceId, tasks: 3, milestones: 1, checklist: 6, files: 3 };
    for (let client = 0; client < CLIENTS; client += 1) {
      for (let round = 0; round < ROUNDS; round += 1) {
        const user = await setup.api('POST', '/api/users', { json: { first_name: 'Round', last_name: `c${client}r${round}`, email: `c${client}r${round}@acme.test` } });
        roundUser.set(`c${client}r${round}`, user.body.data.id);
      }
    }
  });
  afterAll(async () => { await t?.close(); });

  interface Sent { operation: string; marker: string; project?: number; response: ApiResponse }

  /** One client's round: every multi-statement write the API has, each marked so its effect can be found. */
  async function clientRound(client: number, round: number, sent: Sent[]): Promise<void> {
    const marker = `c${client}r${round}`;
    const project = hot[(client + round) % hot.length]!;
    const send = async (operation: string, method: string, path: string, json: unknown, target?: number) => {
      sent.push({ operation, marker, project: target, response: await t.api(method, path, { json }) });
    };
    await send('createProject', 'POST', '/api/projects', {
      project_clientid: f.client.id, project_categoryid: f.category.id, project_date_start: '2026-06-01', project_title: `project ${marker}`, project_custom_fields: { note: `created ${marker}` },
    });
    await send('createProjectTask', 'POST', `/api/projects/${project}/tasks`, {
      task_title: `task ${marker}`, task_checklist: ['one', 'two', 'three'], task_files: [{ file_name: `${marker}.pdf`, file_url: 'https://files.acme.test/x.pdf' }, { file_name: `${marker}.png`, file_url: 'https://files.acme.test/x.png' }],
    }, project);
    await send('cloneProject', 'POST', `/api/projects/${source.id}/clone`, { project_title: `clone ${marker}`, copy_tasks: 'on', copy_tasks_checklist: 'on', copy_tasks_files: 'on', copy_milestones: 'on' });
    await send('startProjectTimer', 'POST', `/api/projects/${project}/timers`, { user_id: f.jane.id, task_id: taskOfHot.get(project) }, project);
    await send('setProjectTags', 'PUT', `/api/projects/${project}/tags`, { tags: [`tag ${marker}`, 'shared'] }, project);
    await send('updateProject', 'PATCH', `/api/projects/${project}`, { project_custom_fields: { note: `updated ${marker}` } }, project);
    await send('assignProject', 'PUT', `/api/projects/${project}/assign`, { assigned: [f.jane.id, roundUser.get(marker)!] }, project);
    await send('createProjectComment', 'POST', `/api/projects/${project}/comments`, { comment_text: `comment ${marker}` }, project);
    await send('createProjectMilestone', 'POST', `/api/projects/${project}/milestones`, { milestone_title: `milestone ${marker}` }, project);
    await send('stopProjectTimers', 'PUT', `/api/projects/${project}/stop-timers`, undefined, project);
  }

  it('answer 2xx or 503 (never 500), and the database holds exactly what was answered', async () => {
    const sent: Sent[] = [];
    await Promise.all(Array.from({ length: CLIENTS }, async (_, client) => {
      for (let round = 0; round < ROUNDS; round += 1) await clientRound(client, round, sent);
    }));

    const unexpected = sent.filter(({ response }) => response.status !== 503 && (response.status < 200 || response.status >= 300));
    expect(unexpected.map(({ operation, response }) => [operation, response.status, response.body])).toEqual([]);
    for (const { response } of sent) if (response.status === 503) expectBusyAnswer(response);
    const succeeded = (operation: string) => sent.filter((s) => s.operation === operation && s.response.status < 300);
    const failed = (operation: string) => sent.filter((s) => s.operation === operation && s.response.status === 503);
    const prisma = t.db.prisma;

    // Creates: an answered one is there whole, a refused one not at all.
    for (const { marker } of succeeded('createProject')) {
      const row = await prisma.project.findFirstOrThrow({ where: { title: `project ${marker}` }, include: { customValues: true } });
      expect(row.customValues.map((v) => v.textValue)).toEqual([`created ${marker}`]);
    }
    for (const { marker } of failed('createProject')) expect(await prisma.project.count({ where: { title: `project ${marker}` } })).toBe(0);
    expect(await prisma.projectCustomValue.count({ where: { textValue: { startsWith: 'created ' } } })).toBe(succeeded('createProject').length);

    for (const { marker } of succeeded('createProjectTask')) {
      const task = await prisma.task.findFirstOrThrow({ where: { title: `task ${marker}` }, include: { checklist: true, files: true } });
      expect([task.checklist.length, task.files.length]).toEqual([3, 2]);
    }
    for (const { marker } of failed('createProjectTask')) expect(await prisma.task.count({ where: { title: `task ${marker}` } })).toBe(0);
    expect(await prisma.taskFile.count({ where: { name: { endsWith: '.png' } } })).toBe(succeeded('createProjectTask').length);

    for (const { marker } of succeeded('cloneProject')) {
      const clone = await prisma.project.findFirstOrThrow({ where: { title: `clone ${marker}` } });
      expect([
        await prisma.task.count({ where: { projectId: clone.id } }),
        await prisma.milestone.count({ where: { projectId: clone.id } }),
        await prisma.taskChecklistItem.count({ where: { task: { projectId: clone.id } } }),
        await prisma.taskFile.count({ where: { task: { projectId: clone.id } } }),
      ]).toEqual([source.tasks, source.milestones, source.checklist, source.files]);
    }
    for (const { marker } of failed('cloneProject')) expect(await prisma.project.count({ where: { title: `clone ${marker}` } })).toBe(0);

    // Writes that replace a set: a refused one left no trace of its values.
    for (const { marker } of failed('setProjectTags')) expect(await prisma.projectTag.count({ where: { title: `tag ${marker}` } })).toBe(0);
    for (const { marker } of failed('assignProject')) expect(await prisma.projectAssignee.count({ where: { userId: roundUser.get(marker)! } })).toBe(0);
    for (const { marker } of failed('updateProject')) expect(await prisma.projectCustomValue.count({ where: { textValue: `updated ${marker}` } })).toBe(0);

    // Rows without a marker of their own: as many as were answered.
    expect(await prisma.timer.count({ where: { projectId: { in: hot } } })).toBe(succeeded('startProjectTimer').length);
    expect(await prisma.projectComment.count({ where: { projectId: { in: hot } } })).toBe(succeeded('createProjectComment').length);
    expect(await prisma.milestone.count({ where: { projectId: { in: hot } } })).toBe(succeeded('createProjectMilestone').length);

    // Each answered change recorded its event in its own transaction, and a refused one none.
    const events = (type: string, projectIds?: number[]) => prisma.event.count({ where: { type, ...(projectIds ? { projectId: { in: projectIds } } : {}) } });
    // The hot projects' own tasks (one each, for the timers) were created before the run.
    expect(await events('task.created', hot)).toBe(succeeded('createProjectTask').length + hot.length);
    expect(await events('timer.started', hot)).toBe(succeeded('startProjectTimer').length);
    expect(await events('comment.created', hot)).toBe(succeeded('createProjectComment').length);
    expect(await events('milestone.created', hot)).toBe(succeeded('createProjectMilestone').length);
    expect(await events('project.tags_changed', hot)).toBe(succeeded('setProjectTags').length);
    expect(await events('project.assigned', hot)).toBe(succeeded('assignProject').length);
    expect(await events('project.cloned')).toBe(succeeded('cloneProject').length);
  });
});
