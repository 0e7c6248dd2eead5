// Webhooks: events handed to subscriptions (the relay) and delivered, signed, at least once (a
// pg-boss job per delivery, retried with backoff), with the SSRF guard on every outbound request.
import { randomBytes } from 'node:crypto';
import { lookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP } from 'node:net';
import type { Logger } from 'pino';
import { Webhook } from 'standardwebhooks';
import type { PrismaClient } from '../../generated/prisma/client.ts';
import type { WebhookSettings } from '../platform/config.ts';
import { eventCursor, findEvent, readFeed } from '../events/feed.ts';
import type { JobQueue, QueueSettings } from '../platform/job-queue.ts';
import { toEvent } from '../events/mapping.ts';
import { WEBHOOK_URL_INTERNAL_MESSAGE, WEBHOOK_URL_UNRESOLVED_MESSAGE } from '../core/messages.ts';
import { lockRelay } from './store.ts';
import { asSystem, FIRST_ORGANIZATION_ID, inOrganization, rowKey } from '../platform/database/tenancy.ts';

export const DELIVERY_QUEUE = 'webhook-delivery';
const RELAY_BATCH = 100;
/** How much of a receiver's answer is read (and then dropped): enough to end the exchange cleanly. */
const ANSWER_LIMIT_BYTES = 64 * 1024;

export function deliveryQueue(settings: WebhookSettings): Record<string, QueueSettings> {
  return {
    [DELIVERY_QUEUE]: {
      // pg-boss's own attempts are the delivery's: the first plus retryLimit retries.
      retryLimit: settings.webhookMaxAttempts - 1,
      retryDelay: settings.webhookRetryDelaySeconds,
      // Exponential, with jitter (pg-boss spreads each delay randomly over its upper half).
      retryBackoff: true,
      retryDelayMax: settings.webhookRetryDelayMaxSeconds,
      // An instance that dies mid-delivery leaves the job active: it is retried once this passes.
      expireInSeconds: Math.ceil(settings.webhookTimeoutMs / 1000) * 2 + 5,
    },
  };
}

/** A Standard Webhooks secret: `whsec_` and the standard base64 of 32 random bytes, the HMAC key. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** Loopback, private, link-local, carrier-grade NAT, multicast and reserved ranges, IPv4 and IPv6. */
const internalNetworks = new BlockList();
for (const [network, bits] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16],
  ['172.16.0.0', 12], ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4]] as const) {
  internalNetworks.addSubnet(network, bits, 'ipv4');
}
for (const [network, bits] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['64:ff9b::', 96]] as const) {
  internalNetworks.addSubnet(network, bits, 'ipv6');
}

function isInternalAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return internalNetworks.check(mapped[1]!, 'ipv4');
  return internalNetworks.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}

export class InternalAddressError extends Error {
  override name = 'InternalAddressError';
}

/** A URL's hostname without the brackets of an IPv6 literal (`[::1]` → `::1`). */
const bareHost = (hostname: string) => hostname.replace(/^\[|\]$/g, '');

/** Every address `hostname` resolves to; refused when one is internal and the guard is on. */
async function resolveAllowed(hostname: string, allowPrivate: boolean): Promise<LookupAddress[]> {
  const bare = bareHost(hostname);
  const addresses = isIP(bare)
    ? [{ address: bare, family: isIP(bare) }]
    : await new Promise<LookupAddress[]>((resolve, reject) => lookup(bare, { all: true }, (error, found) => (error ? reject(error) : resolve(found))));
  const internal = addresses.find((a) => isInternalAddress(a.address));
  if (internal && !allowPrivate) throw new InternalAddressError(`${hostname} is an internal network address (${internal.address})`);
  return addresses;
}

/** Why `url` may not be a webhook URL, or undefined when it may. */
export async function webhookUrlProblem(url: string, allowPrivate: boolean): Promise<string | undefined> {
  try {
    await resolveAllowed(new URL(url).hostname, allowPrivate);
    return undefined;
  } catch (error) {
    if (error instanceof InternalAddressError) return WEBHOOK_URL_INTERNAL_MESSAGE;
    return WEBHOOK_URL_UNRESOLVED_MESSAGE;
  }
}

export interface PostOutcome { ok: boolean; statusCode: number | null; error: string | null; durationMs: number }

/** A webhook request's message: its `webhook-id` and its JSON body. */
export interface WebhookMessage { id: string; body: string }

/**
 * POSTs a JSON body signed the Standard Webhooks way, by its reference library (`webhook-signature:
 * v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, keyed with the secret's decoded bytes).
 * node:http rather than fetch: its `lookup` hook checks the very addresses the connection uses, so a
 * name that resolves differently later (DNS rebinding) cannot reach the internal network.
 */
export function postSigned(url: string, { id, body }: WebhookMessage, secret: string, settings: WebhookSettings): Promise<PostOutcome> {
  const started = Date.now();
  const target = new URL(url);
  const options: RequestOptions = {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'user-agent': 'projects-api-webhooks',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(started / 1000)),
      'webhook-signature': new Webhook(secret).sign(id, new Date(started), body),
    },
    signal: AbortSignal.timeout(settings.webhookTimeoutMs),
    lookup: (hostname, _options, callback) => {
      resolveAllowed(hostname, settings.webhookAllowPrivateNetworks).then(
        (addresses) => callback(null, addresses),
        (error: NodeJS.ErrnoException) => callback(error, []),
      );
    },
  };
  const finish = (statusCode: number | null, error: string | null): PostOutcome => ({
    ok: statusCode !== null && statusCode >= 200 && statusCode < 300, statusCode, error, durationMs: Date.now() - started,
  });
  return new Promise((resolve) => {
    // A literal address never goes through `lookup`: it is checked here.
    const host = bareHost(target.hostname);
    if (isIP(host) && !settings.webhookAllowPrivateNetworks && isInternalAddress(host)) {
      resolve(finish(null, `${target.hostname} is an internal network address`));
      return;
    }
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(target, options, (res) => {
      let read = 0;
      res.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read > ANSWER_LIMIT_BYTES) res.destroy();
      });
      res.on('close', () => {
        const statusCode = res.statusCode ?? null;
        resolve(finish(statusCode, statusCode !== null && statusCode >= 200 && statusCode < 300 ? null : `the receiver answered ${statusCode}`));
      });
    });
    req.on('error', (error) => {
      resolve(finish(null, error.name === 'TimeoutError' || error.name === 'AbortError' ? `no answer within ${settings.webhookTimeoutMs} ms` : error.message));
    });
    req.end(body);
  });
}

/**
 * Hands new events to the subscriptions that want them: one delivery row and one queued job per
 * pair, written with the relay's advance in one transaction, so that each event is handed out
 * exactly once whatever instance relays and whenever it stops. An instance that finds the relay
 * row locked leaves the work to the one holding it. Returns the events handled. The relay reads
 * every organization's feed, as the system; an event goes to its own organization's subscriptions.
 */
function relayOnce(prisma: PrismaClient, jobs: JobQueue): Promise<number> {
  return asSystem(() => prisma.$transaction(async (tx) => {
    const relay = await lockRelay(tx);
    if (!relay) return 0;
    // With no subscription enabled anywhere, the relay moves past every event there is without
    // reading them (under load, reading batches nobody receives was a share of every change's cost).
    // The newest event is read before the check, as a batch's events are read before the
    // subscriptions below: a subscription that commits after the check receives what follows.
    const [newest] = await readFeed(tx, { limit: 1, order: 'desc' });
    if (newest === undefined || eventCursor(newest) === relay.after) return 0;
    if (!(await tx.webhookSubscription.findFirst({ where: { enabled: true }, select: { id: true } }))) {
      await tx.webhookRelay.update({ where: { id: 1 }, data: { after: eventCursor(newest) } });
      return 0;
    }
    const events = await readFeed(tx, { after: relay.after || undefined, limit: RELAY_BATCH, order: 'asc' });
    if (events.length === 0) return 0;
    const subscriptions = await tx.webhookSubscription.findMany({ where: { enabled: true }, select: { organizationId: true, id: true, eventTypes: true, createdAt: true } });
    const pairs = events.flatMap((event) => subscriptions
      // A subscription receives its organization's events that occur once it exists.
      .filter((s) => s.organizationId === event.organization_id && (s.eventTypes.length === 0 || s.eventTypes.includes(event.type))
        && s.createdAt.getTime() <= Date.parse(event.occurred_at))
      .map((s) => ({ organizationId: s.organizationId, subscriptionId: s.id, eventId: BigInt(event.id) })));
    if (pairs.length > 0) {
      const deliveries = await tx.webhookDelivery.createManyAndReturn({ data: pairs, select: { organizationId: true, id: true } });
      const payloads: DeliveryJob[] = deliveries.map((d) => ({ organizationId: d.organizationId, deliveryId: d.id.toString() }));
      await jobs.insertIn(tx, DELIVERY_QUEUE, payloads);
    }
    await tx.webhookRelay.update({ where: { id: 1 }, data: { after: eventCursor(events.at(-1)!) } });
    return events.length;
  }));
}

/** A queued delivery. Jobs queued before organizations existed name none: they are the first's. */
export interface DeliveryJob { organizationId?: number; deliveryId: string }

/** One attempt of one delivery; throws when pg-boss should retry it. */
async function deliver(prisma: PrismaClient, deliveryId: bigint, settings: WebhookSettings): Promise<void> {
  const delivery = await prisma.webhookDelivery.findFirst({ where: { id: deliveryId }, include: { subscription: true } });
  // Deleted with its subscription: nothing left to do.
  if (!delivery || delivery.status === 'delivered' || delivery.status === 'failed') return;
  const { subscription } = delivery;
  const attempts = delivery.attempts + 1;
  if (!subscription.enabled) {
    await prisma.webhookDelivery.update({ where: rowKey(deliveryId), data: { status: 'failed', lastError: 'the subscription is disabled' } });
    return;
  }
  const event = await findEvent(prisma, delivery.eventId);
  const body = JSON.stringify(toEvent(event!));
  const outcome = await postSigned(subscription.url, { id: event!.id, body }, subscription.secret, settings);
  const attempt = { attempts, lastAttemptAt: new Date(), lastStatusCode: outcome.statusCode, lastError: outcome.error };
  if (outcome.ok) {
    await prisma.$transaction([
      prisma.webhookDelivery.update({ where: rowKey(deliveryId), data: { ...attempt, status: 'delivered', deliveredAt: new Date() } }),
      prisma.webhookSubscription.updateMany({ where: { id: subscription.id, consecutiveFailures: { gt: 0 } }, data: { consecutiveFailures: 0 } }),
    ]);
    return;
  }
  const final = attempts >= settings.webhookMaxAttempts;
  await prisma.webhookDelivery.update({ where: rowKey(deliveryId), data: { ...attempt, status: final ? 'failed' : 'retrying' } });
  if (!final) throw new Error(`webhook delivery ${deliveryId}: ${outcome.error}`);
  const { consecutiveFailures } = await prisma.webhookSubscription.update({
    where: rowKey(subscription.id), data: { consecutiveFailures: { increment: 1 } }, select: { consecutiveFailures: true },
  });
  if (consecutiveFailures >= settings.webhookDisableAfter) {
    await prisma.webhookSubscription.updateMany({
      where: { id: subscription.id, enabled: true },
      data: { enabled: false, disabledReason: `${consecutiveFailures} deliveries in a row failed; the last: ${outcome.error}` },
    });
  }
}

export interface WebhookWorker {
  /** Relays soon (changes made here call it after they commit); calls close together run once. */
  nudge(): void;
  stop(): Promise<void>;
}

/** The relay, on a timer and on nudges, and the delivery worker, in this instance. */
export async function startWebhookWorker(prisma: PrismaClient, jobs: JobQueue, settings: WebhookSettings, logger: Logger): Promise<WebhookWorker> {
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  // Changes nudge the relay only when their organization has a subscription enabled (the event's
  // insert answers that: server/platform/outbox.ts). The timer's runs also move the relay past events
  // nobody receives, so that a subscription made later starts from a recent position.
  const relay = (): void => {
    if (stopped) return;
    if (running) { again = true; return; }
    running = (async () => {
      try {
        while (!stopped && (await relayOnce(prisma, jobs)) === RELAY_BATCH);
      } catch (error) {
        logger.warn({ err: error }, 'webhook relay failed; it runs again on the next tick');
      } finally {
        running = undefined;
        if (again) { again = false; relay(); }
      }
    })();
  };
  const timer = setInterval(relay, settings.webhookRelayIntervalMs);
  timer.unref();
  await jobs.boss.work<DeliveryJob>(DELIVERY_QUEUE, { pollingIntervalSeconds: 0.5, batchSize: 1, localConcurrency: 4 }, async ([job]) => {
    const { organizationId = FIRST_ORGANIZATION_ID, deliveryId } = job!.data;
    await inOrganization(organizationId, () => deliver(prisma, BigInt(deliveryId), settings));
  });
  relay();
  return {
    nudge: relay,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await jobs.boss.offWork(DELIVERY_QUEUE);
      await running;
    },
  };
}
