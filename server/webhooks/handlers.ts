// Handlers for webhook subscriptions and their delivery logs (delivery itself: server/webhooks/delivery.ts).
import { randomUUID } from 'node:crypto';
import { ApiError, notFound, validationFailed } from '../core/errors.ts';
import { JOBS_NOT_RUNNING_MESSAGE, WEBHOOK_DISABLED_MESSAGE } from '../core/messages.ts';
import { timestamp } from '../core/dates.ts';
import { DELIVERY_QUEUE, type DeliveryJob, newWebhookSecret, postSigned, webhookUrlProblem } from './delivery.ts';
import type { Handler } from '../contract/operations.ts';
import { deliveryInclude, toWebhookDelivery, toWebhookSubscription } from './mapping.ts';
import type { Db } from '../platform/database/transaction.ts';
import { loadPage, pageWindow } from '../core/paging.ts';
import type { WebhookSettings } from '../platform/config.ts';
import { rowKey } from '../platform/database/tenancy.ts';

async function requireAllowedUrl(url: string | undefined, settings: WebhookSettings): Promise<void> {
  const problem = url === undefined ? undefined : await webhookUrlProblem(url, settings.webhookAllowPrivateNetworks);
  if (problem) throw validationFailed({ url: [problem] });
}

async function findSubscription(db: Db, id: number) {
  const row = await db.webhookSubscription.findFirst({ where: { id: id } });
  if (!row) throw notFound('Webhook');
  return row;
}

export const listWebhooks: Handler<'listWebhooks'> = async ({ prisma, query }) => {
  const window = pageWindow(query);
  const page = await loadPage(window,
    prisma.webhookSubscription.findMany({ orderBy: { id: window.order }, skip: window.skip, take: window.take }),
    prisma.webhookSubscription.count(), toWebhookSubscription);
  return { status: 200, body: { ...page, message: 'Webhooks retrieved successfully.' } };
};

export const createWebhook: Handler<'createWebhook'> = async ({ prisma, body, webhooks }) => {
  await requireAllowedUrl(body.url, webhooks.settings);
  const row = await prisma.webhookSubscription.create({
    data: { url: body.url, eventTypes: body.event_types ?? [], description: body.description ?? null, secret: newWebhookSecret() },
  });
  return { status: 201, body: { data: { ...toWebhookSubscription(row), secret: row.secret }, message: 'Webhook created successfully.' } };
};

export const getWebhook: Handler<'getWebhook'> = async ({ prisma, path }) => {
  const row = await findSubscription(prisma, path.id);
  return { status: 200, body: { data: toWebhookSubscription(row), message: 'Webhook retrieved successfully.' } };
};

export const updateWebhook: Handler<'updateWebhook'> = async ({ prisma, path, body, webhooks }) => {
  await findSubscription(prisma, path.id);
  await requireAllowedUrl(body.url, webhooks.settings);
  const row = await prisma.webhookSubscription.update({
    where: rowKey(path.id),
    data: {
      url: body.url,
      eventTypes: body.event_types,
      description: body.description,
      // Turned back on: a clean slate.
      ...(body.enabled === true ? { enabled: true, disabledReason: null, consecutiveFailures: 0 } : {}),
      ...(body.enabled === false ? { enabled: false } : {}),
    },
  });
  return { status: 200, body: { data: toWebhookSubscription(row), message: 'Webhook updated successfully.' } };
};

export const deleteWebhook: Handler<'deleteWebhook'> = async ({ prisma, path }) => {
  const { count } = await prisma.webhookSubscription.deleteMany({ where: { id: path.id } });
  if (count === 0) throw notFound('Webhook');
  return { status: 200, body: { data: { id: path.id }, message: 'Webhook deleted successfully.' } };
};

export const pingWebhook: Handler<'pingWebhook'> = async ({ prisma, path, webhooks }) => {
  const row = await findSubscription(prisma, path.id);
  const ping = { id: 0, type: 'ping', occurred_at: timestamp(new Date()), data: { webhook_id: row.id } };
  // Its own Webhook-Id (Standard Webhooks: one per message), so a receiver de-duplicating on it takes each ping.
  const outcome = await postSigned(row.url, { id: `ping_${randomUUID()}`, body: JSON.stringify(ping) }, row.secret, webhooks.settings);
  return {
    status: 200,
    body: { data: { ok: outcome.ok, status_code: outcome.statusCode, duration_ms: outcome.durationMs, error: outcome.error }, message: 'Webhook pinged successfully.' },
  };
};

export const listWebhookDeliveries: Handler<'listWebhookDeliveries'> = async ({ prisma, path, query }) => {
  await findSubscription(prisma, path.id);
  const window = pageWindow(query);
  const where = { subscriptionId: path.id, ...(query.status ? { status: query.status } : {}) };
  const page = await loadPage(window,
    prisma.webhookDelivery.findMany({ where, include: deliveryInclude, orderBy: { id: window.order }, skip: window.skip, take: window.take }),
    prisma.webhookDelivery.count({ where }), toWebhookDelivery);
  return { status: 200, body: { ...page, message: 'Webhook deliveries retrieved successfully.' } };
};

export const redeliverWebhookDelivery: Handler<'redeliverWebhookDelivery'> = async ({ prisma, path, webhooks }) => {
  // What the request names first: a delivery that does not exist is a 404 whether or not jobs run.
  const subscription = await findSubscription(prisma, path.id);
  const original = await prisma.webhookDelivery.findFirst({ where: { id: path.delivery_id, subscriptionId: path.id } });
  if (!original) throw notFound('Delivery');
  if (!subscription.enabled) throw validationFailed({ id: [WEBHOOK_DISABLED_MESSAGE] });
  if (!webhooks.jobs) throw new ApiError(503, JOBS_NOT_RUNNING_MESSAGE, undefined, { 'Retry-After': '1' });
  const jobs = webhooks.jobs;
  // Before the transaction: on PGlite the queue's start-up queries would wait for it.
  await jobs.ready.catch(() => { throw new ApiError(503, JOBS_NOT_RUNNING_MESSAGE, undefined, { 'Retry-After': '1' }); });
  const delivery = await prisma.$transaction(async (tx) => {
    const row = await tx.webhookDelivery.create({ data: { subscriptionId: path.id, eventId: original.eventId }, include: deliveryInclude });
    const job: DeliveryJob = { organizationId: row.organizationId, deliveryId: row.id.toString() };
    await jobs.insertIn(tx, DELIVERY_QUEUE, [job]);
    return row;
  });
  return { status: 201, body: { data: toWebhookDelivery(delivery), message: 'Webhook delivery queued successfully.' } };
};
