// A second organization beside the test server's (the first), made as an operator makes one, and
// filled through its own key with a row of every kind: the other side of the isolation tests.
import { expect } from 'vitest';
import { runAdminCommand } from '../../server/admin/commands.ts';
import { asSystem, inOrganization } from '../../server/platform/database/tenancy.ts';
import type { TestServer } from './server.ts';

/** Authorization with `key` instead of the test server's. */
export const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/** Makes an organization with its main administrator (`npm run -s keys -- create-organization`); its admin key. */
export async function newOrganization(t: TestServer, name: string, email: string): Promise<{ key: string; organizationId: number }> {
  const result = await runAdminCommand({ db: t.db }, { command: 'keys', args: ['create-organization', name, email] });
  expect(result.exitCode, result.stderr).toBe(0);
  const key = result.stdout.trim().split('\n').at(-1)!;
  const { organizationId } = await asSystem(() => t.db.prisma.apiKey.findFirstOrThrow({ where: { prefix: key.slice(0, 10) }, select: { organizationId: true } }));
  return { key, organizationId };
}

export interface FilledOrganization {
  key: string;
  organizationId: number;
  /** Its rows' ids by the collection a path parameter indexes (`projects`, `custom-fields`, …). */
  ids: Record<string, number>;
}

/**
 * An organization whose every row has `mark` in its name, with one row of every kind: clients,
 * categories, team users, a project with assignees, a manager, tags, a custom value and every kind
 * of child, a custom field, a webhook with a delivery, an API key, a duplication, events and an
 * Idempotency-Key.
 */
export async function filledOrganization(t: TestServer, mark: string): Promise<FilledOrganization> {
  const { key, organizationId } = await newOrganization(t, `${mark} Industries`, `admin@${mark.toLowerCase()}.test`);
  const send = async (method: string, path: string, json: unknown, status: number) => {
    const response = await t.api(method, path, { headers: { ...bearer(key), 'idempotency-key': `${mark}-${method}-${path}` }, json });
    expect(response.status, `${method} ${path}: ${JSON.stringify(response.body)}`).toBe(status);
    return response.body.data as { id: number };
  };
  const created = (path: string, json: unknown) => send('POST', path, json, 201);
  const client = await created('/api/clients', { client_company_name: `${mark} Client` });
  const category = await created('/api/categories', { category_name: `${mark} Category` });
  const user = await created('/api/users', { first_name: mark, last_name: 'Person', email: `person@${mark.toLowerCase()}.test` });
  const field = await created('/api/custom-fields', { custom_field_key: mark.toLowerCase(), custom_field_name: `${mark} field`, custom_field_type: 'text' });
  const project = await created('/api/projects', {
    project_title: `${mark} Project`, project_clientid: client.id, project_categoryid: category.id, project_date_start: '2026-06-01',
    project_description: `${mark} description`, project_reference: `${mark}-REF`, project_custom_fields: { [mark.toLowerCase()]: `${mark} value` },
  });
  const p = `/api/projects/${project.id}`;
  await send('PUT', `${p}/assign`, { assigned: [user.id] }, 200);
  await send('PUT', `${p}/manager`, { manager: user.id }, 200);
  await send('PUT', `${p}/tags`, { tags: [mark] }, 200);
  await created(`${p}/tasks`, { task_title: `${mark} task`, task_checklist: [`${mark} item`], task_files: [{ file_name: `${mark}.txt`, file_url: 'https://files.example.com/t.txt' }] });
  await created(`${p}/milestones`, { milestone_title: `${mark} milestone` });
  await created(`${p}/timers`, { user_id: user.id });
  await created(`${p}/files`, { file_name: `${mark}.pdf`, file_url: 'https://files.example.com/m.pdf' });
  const comment = await created(`${p}/comments`, { comment_text: `${mark} comment`, comment_creatorid: user.id });
  await created(`${p}/invoices`, { invoice_date: '2026-06-01', invoice_due_date: '2026-06-30', invoice_amount: 100 });
  await created(`${p}/estimates`, { estimate_date: '2026-06-01', estimate_amount: 100 });
  // A documentation address (TEST-NET-3): public, so accepted, and never contacted (no delivery runs here).
  const hook = await created('/api/webhooks', { url: `https://203.0.113.10/${mark}`, description: `${mark} hook` });
  const apiKey = await created('/api/api-keys', { name: `${mark} key`, role: 'viewer' });
  // A delivery and a background duplication come from jobs that the test servers do not run: made directly.
  const { delivery, duplication } = await inOrganization(organizationId, async () => {
    const event = await t.db.prisma.event.findFirstOrThrow({ where: { projectId: project.id } });
    return {
      delivery: await t.db.prisma.webhookDelivery.create({ data: { subscriptionId: hook.id, eventId: event.id } }),
      duplication: await t.db.prisma.projectDuplication.create({ data: { sourceProjectId: project.id, total: 0, options: { project_title: mark }, apiKeyId: event.apiKeyId } }),
    };
  });
  return {
    key, organizationId,
    ids: {
      projects: project.id, comments: comment.id, 'custom-fields': field.id, webhooks: hook.id, deliveries: Number(delivery.id),
      'project-duplications': duplication.id, clients: client.id, categories: category.id, users: user.id, 'api-keys': apiKey.id,
    },
  };
}
