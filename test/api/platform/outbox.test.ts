// An event's insert answers whether its organization has a webhook subscription enabled: a change
// wakes the webhook relay only then (server/platform/outbox.ts). Row-level security limits the
// answer to the organization the statement runs in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIRST_ORGANIZATION_ID, inOrganization } from '../../../server/platform/database/tenancy.ts';
import { insertEvent, newResourceEvent } from '../../../server/platform/outbox.ts';
import { touchProjectWithEvent } from '../../../server/projects/store.ts';
import { bearer, newOrganization } from '../../helpers/organizations.ts';
import { createFixtures, createProject, startTestServer, type TestServer } from '../../helpers/server.ts';

let t: TestServer;
let projectId: number;
let other: { key: string; organizationId: number };

/** What writing an event in `organizationId` answers, both ways an event is written; the transaction is rolled back. */
async function subscribedAnswers(organizationId: number, project: number | null): Promise<boolean[]> {
  const rolledBack = new Error('rolled back');
  const answers: boolean[] = [];
  await inOrganization(organizationId, () => t.db.prisma.$transaction(async (tx) => {
    const actor = { apiKeyId: (await tx.apiKey.findFirstOrThrow({ select: { id: true } })).id, userId: null };
    answers.push(await insertEvent(tx, 'project.deleted', actor, newResourceEvent(project, { id: project ?? 0 } as never)));
    if (project !== null) answers.push(await touchProjectWithEvent(tx, project, 'project.updated', actor, { projectId: project, data: { id: project } as never, changedFields: [], previous: null }));
    throw rolledBack;
  })).catch((error: unknown) => { if (error !== rolledBack) throw error; });
  return answers;
}

beforeAll(async () => {
  // No job queue: nothing is delivered, and a subscription may name an address of this machine.
  t = await startTestServer({ env: { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' } });
  projectId = (await createProject(t, await createFixtures(t))).id;
  other = await newOrganization(t, 'Outbox Other', 'admin@outbox-other.test');
});
afterAll(async () => { await t?.close(); });

describe('an event written', () => {
  it('answers whether its organization, and only it, has a webhook subscription enabled', async () => {
    expect(await subscribedAnswers(FIRST_ORGANIZATION_ID, projectId)).toEqual([false, false]);
    const hook = await t.api('POST', '/api/webhooks', { json: { url: 'http://127.0.0.1:9/outbox' } });
    expect(hook.status).toBe(201);
    expect(await subscribedAnswers(FIRST_ORGANIZATION_ID, projectId)).toEqual([true, true]);
    expect(await subscribedAnswers(other.organizationId, null)).toEqual([false]);

    const disabled = await t.api('PATCH', `/api/webhooks/${hook.body.data.id}`, { json: { enabled: false } });
    expect(disabled.status).toBe(200);
    expect(await subscribedAnswers(FIRST_ORGANIZATION_ID, projectId)).toEqual([false, false]);
    // The other organization's enabled subscription is not the first's.
    expect((await t.api('POST', '/api/webhooks', { headers: bearer(other.key), json: { url: 'http://127.0.0.1:9/other' } })).status).toBe(201);
    expect(await subscribedAnswers(FIRST_ORGANIZATION_ID, projectId)).toEqual([false, false]);
    expect(await subscribedAnswers(other.organizationId, null)).toEqual([true]);
  });
});
