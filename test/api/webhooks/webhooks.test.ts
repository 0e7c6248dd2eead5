// Webhooks against a local receiver: signed deliveries of exactly the subscribed events, retries
// until the receiver recovers, disabling, redelivery, the SSRF guard, two instances delivering
// side by side (a server killed before and during a delivery: test/system/webhooks/killed-server.test.ts).
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhook } from '../../../client/index.ts';
import { migrationsDir } from '../../../server/platform/database/migrations.ts';
import { newWebhookSecret } from '../../../server/webhooks/delivery.ts';
import { eventCursor, readFeed } from '../../../server/events/feed.ts';
import { startSibling, startTestServer, untilFeedCaughtUp, type TestServer } from '../../helpers/server.ts';
import { until } from '../../helpers/wait.ts';
import { fastRetries, startReceiver, verifiedAt, type Received } from '../../helpers/webhook-receiver.ts';
import { WEBHOOK_URL_INTERNAL_MESSAGE } from '../../../server/core/messages.ts';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ jobs: true, env: fastRetries });
});
afterAll(async () => { await t?.close(); });

async function subscribe(server: TestServer, url: string, event_types?: string[]) {
  const created = await server.api('POST', '/api/webhooks', { json: { url, ...(event_types ? { event_types } : {}) } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.data as { id: number; secret: string };
}

/**
 * Every event so far has been handed to the subscriptions (the relay's cursor is at the end of the
 * feed; it moves in the transaction that creates the deliveries, so no later run hands them out
 * again) and every delivery of `hookId` has ended: `expected` of them, all delivered. From then on
 * nothing more can reach the receiver for these events: a duplicate would already be there.
 */
async function deliveriesSettled(server: TestServer, hookId: number, expected: number) {
  const [relay] = await server.db.prisma.$queryRaw<{ after: string }[]>`SELECT after FROM webhook_relay WHERE id = 1`;
  if ((await readFeed(server.db.prisma, { after: relay?.after || undefined, limit: 1, order: 'asc' })).length > 0) return false;
  const log = (await server.api('GET', `/api/webhooks/${hookId}/deliveries?order=asc&limit=100`)).body.data as { status: string }[];
  return log.length === expected && log.every((d) => d.status === 'delivered') && log;
}

/** The Standard Webhooks headers of a received request, as `Webhook.verify` takes them. */
const signed = (r: Received) => ({ 'webhook-id': r.id, 'webhook-timestamp': r.timestamp, 'webhook-signature': r.signature });

async function newClient(server: TestServer, name: string) {
  return (await server.api('POST', '/api/clients', { json: { client_company_name: name } })).body.data;
}

describe('webhooks', () => {
  it('with no subscription enabled, the relay moves past the events without handing any out; a subscription made then receives what follows', async () => {
    const relayPosition = async () => (await t.db.prisma.$queryRaw<{ after: string }[]>`SELECT after FROM webhook_relay WHERE id = 1`)[0]!.after;
    await newClient(t, 'Unheard Inc');
    await untilFeedCaughtUp(t);
    const [newest] = await readFeed(t.db.prisma, { limit: 1, order: 'desc' });
    await until('the relay at the newest event', async () => (await relayPosition()) === eventCursor(newest!));
    expect(await t.db.prisma.webhookDelivery.count()).toBe(0);

    const receiver = await startReceiver();
    try {
      const hook = await subscribe(t, receiver.url, ['client.created']);
      const heard = await newClient(t, 'Heard Inc');
      await until('the later client delivered and nothing left to relay', () => deliveriesSettled(t, hook.id, 1));
      expect(receiver.received.map((r) => [r.event.type, (r.event.data as { id: number }).id])).toEqual([['client.created', heard.id]]);
      expect((await t.api('DELETE', `/api/webhooks/${hook.id}`)).status).toBe(200);
    } finally {
      await receiver.close();
    }
  });

  it('delivers exactly the subscribed events, each once, signed as Standard Webhooks sign (verified by its reference library)', async () => {
    const receiver = await startReceiver();
    try {
      const hook = await subscribe(t, receiver.url, ['project.created', 'project.updated']);
      expect(hook.secret).toMatch(/^whsec_/);
      expect((await t.api('GET', `/api/webhooks/${hook.id}`)).body.data).not.toHaveProperty('secret');
      const client = await newClient(t, 'Hooked Inc');
      const category = (await t.api('POST', '/api/categories', { json: { category_name: 'Hooked' } })).body.data;
      const project = (await t.api('POST', '/api/projects', {
        json: { project_clientid: client.id, project_categoryid: category.id, project_title: 'Hooked', project_date_start: '2026-06-01' },
      })).body.data;
      await t.api('PATCH', `/api/projects/${project.id}`, { json: { project_title: 'Hooked 2' } });
      await t.api('PUT', `/api/projects/${project.id}/status`, { json: { status: 'on_hold' } });

      await untilFeedCaughtUp(t);
      const feed = (await t.api('GET', `/api/events?project_id=${project.id}&type=project.created,project.updated`)).body.data;
      await until('both deliveries made and nothing left to relay', () => deliveriesSettled(t, hook.id, 2));
      // Deliveries run side by side, so they may arrive in either order (the spec says so): by event id.
      receiver.received.sort((a, b) => Number(a.id) - Number(b.id));
      expect(receiver.received.map((r) => r.event.type)).toEqual(['project.created', 'project.updated']);
      expect(receiver.received.map((r) => r.event)).toEqual(feed);
      expect(receiver.received.map((r) => r.id)).toEqual(feed.map((e: { id: number }) => String(e.id)));
      const otherSecret = newWebhookSecret();
      for (const r of receiver.received) {
        expect(r.signature).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
        expect(Math.abs(Number(r.timestamp) - Date.now() / 1000)).toBeLessThan(300);
        expect(new Webhook(hook.secret).verify(r.body, signed(r))).toEqual(r.event);
        expect(() => new Webhook(hook.secret).verify(r.body.replace('Hooked', 'Hacked'), signed(r))).toThrow(WebhookVerificationError);
        expect(() => new Webhook(otherSecret).verify(r.body, signed(r))).toThrow(WebhookVerificationError);
        // The id and timestamp are signed too.
        expect(() => new Webhook(hook.secret).verify(r.body, { ...signed(r), 'webhook-id': '1' })).toThrow(WebhookVerificationError);
        // A replay: the same request, ten minutes later.
        expect(() => verifiedAt(Number(r.timestamp) * 1000 + 600_000, () => new Webhook(hook.secret).verify(r.body, signed(r))))
          .toThrow('Message timestamp too old');
        // The typed client, given Node's request headers or fetch's.
        expect(verifyWebhook({ secret: hook.secret, headers: r.headers, body: r.body })).toEqual(r.event);
        expect(verifyWebhook({ secret: hook.secret, headers: new Headers(signed(r)), body: Buffer.from(r.body) })).toEqual(r.event);
        expect(() => verifyWebhook({ secret: hook.secret, headers: r.headers, body: r.body.replace('Hooked', 'Hacked') })).toThrow(WebhookVerificationError);
        expect(() => verifyWebhook({ secret: otherSecret, headers: r.headers, body: r.body })).toThrow(WebhookVerificationError);
      }
      const log = (await t.api('GET', `/api/webhooks/${hook.id}/deliveries?order=asc`)).body.data;
      expect(log.map((d: any) => [d.event_type, d.status, d.attempts, d.last_status_code])).toEqual([
        ['project.created', 'delivered', 1, 204], ['project.updated', 'delivered', 1, 204],
      ]);

      const ping = await t.api('POST', `/api/webhooks/${hook.id}/ping`);
      expect(ping.body.data).toMatchObject({ ok: true, status_code: 204, error: null });
      const pinged = receiver.received.at(-1)!;
      expect(pinged.event).toMatchObject({ type: 'ping', data: { webhook_id: hook.id } });
      // The spec's Timestamp, with microseconds, as every event's occurred_at (it had three decimals).
      expect(pinged.event.occurred_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      expect(new Webhook(hook.secret).verify(pinged.body, signed(pinged))).toEqual(pinged.event);
      // Each ping its own Webhook-Id (one id per message): a receiver de-duplicating on it takes the next.
      expect(pinged.id).toMatch(/^ping_[0-9a-f-]{36}$/);
      await t.api('POST', `/api/webhooks/${hook.id}/ping`);
      expect(receiver.received.at(-1)!.id).not.toBe(pinged.id);
      expect((await t.api('DELETE', `/api/webhooks/${hook.id}`)).status).toBe(200);
    } finally {
      await receiver.close();
    }
  });

  it('retries a receiver that fails 3 times until it answers; one that keeps failing is disabled with a reason, then redelivered', async () => {
    let healthy = false;
    const receiver = await startReceiver((request, seen) => {
      if (request.event.data.company_name === 'Flaky') return seen.filter((r) => r.id === request.id).length < 3 ? 500 : 200;
      return healthy ? 200 : 503;
    });
    try {
      const hook = await subscribe(t, receiver.url, ['client.created']);
      await newClient(t, 'Flaky');
      const flaky = await until('the fourth attempt', () => receiver.received.filter((r) => r.event.data.company_name === 'Flaky').length === 4 && receiver.received);
      expect(new Set(flaky.map((r) => r.id)).size).toBe(1);
      const [delivered] = await until('the delivery recorded', async () => {
        const log = (await t.api('GET', `/api/webhooks/${hook.id}/deliveries?status=delivered`)).body.data;
        return log.length === 1 && log;
      });
      expect(delivered).toMatchObject({ attempts: 4, last_status_code: 200 });

      // Two deliveries that fail all 5 attempts: the subscription (WEBHOOK_DISABLE_AFTER=2) is disabled.
      await newClient(t, 'Down one');
      await newClient(t, 'Down two');
      const disabled = await until('the subscription disabled', async () => {
        const { data } = (await t.api('GET', `/api/webhooks/${hook.id}`)).body;
        return !data.enabled && data;
      });
      expect(disabled.disabled_reason).toBe('2 deliveries in a row failed; the last: the receiver answered 503');
      const failed = (await t.api('GET', `/api/webhooks/${hook.id}/deliveries?status=failed`)).body.data;
      expect(failed.map((d: any) => d.attempts)).toEqual([5, 5]);
      expect((await t.api('POST', `/api/webhooks/${hook.id}/deliveries/${failed[0].id}/redeliver`)).status).toBe(422);

      healthy = true;
      const enabled = (await t.api('PATCH', `/api/webhooks/${hook.id}`, { json: { enabled: true } })).body.data;
      expect(enabled).toMatchObject({ enabled: true, disabled_reason: null, consecutive_failures: 0 });
      const again = await t.api('POST', `/api/webhooks/${hook.id}/deliveries/${failed[0].id}/redeliver`);
      expect(again.status).toBe(201);
      await until('the redelivery', async () => (await t.api('GET', `/api/webhooks/${hook.id}/deliveries?status=delivered`)).body.data.length === 2);
      expect(receiver.received.at(-1)!.id).toBe(String(again.body.data.event_id));
      await t.api('DELETE', `/api/webhooks/${hook.id}`);
    } finally {
      await receiver.close();
    }
  });

  it('two instances delivering side by side deliver each event once', async () => {
    const receiver = await startReceiver();
    const other = await startSibling(t, { jobs: true, env: fastRetries });
    try {
      const hook = await subscribe(t, receiver.url, ['client.created']);
      const names = Array.from({ length: 20 }, (_, i) => `Pair ${i}`);
      await Promise.all(names.map((name, i) => newClient(i % 2 ? other : t, name)));
      await until('20 deliveries made and nothing left to relay', () => deliveriesSettled(t, hook.id, 20));
      expect(receiver.received.map((r) => r.event.data.company_name).sort()).toEqual([...names].sort());
      expect(new Set(receiver.received.map((r) => r.id)).size).toBe(20);
      await t.api('DELETE', `/api/webhooks/${hook.id}`);
    } finally {
      await other.close();
      await receiver.close();
    }
  });

  it('a secret written in base64url before Standard Webhooks keeps its key: the migration respells it in base64', async () => {
    const receiver = await startReceiver();
    try {
      const legacyHook = await subscribe(t, receiver.url, ['client.created']);
      const currentHook = await subscribe(t, receiver.url, ['client.created']);
      // A key whose base64 has a + or a /, so that base64url spells it differently.
      let key = randomBytes(32);
      while (!/[+/]/.test(key.toString('base64'))) key = randomBytes(32);
      const legacySecret = `whsec_${key.toString('base64url')}`;
      await t.db.prisma.webhookSubscription.updateMany({ where: { id: legacyHook.id }, data: { secret: legacySecret } });
      expect(() => new Webhook(legacySecret)).toThrow('Base64Coder: incorrect characters');

      const migration = readdirSync(migrationsDir).find((name) => name.endsWith('_webhook_secrets_standard_base64'))!;
      await t.db.prisma.$executeRawUnsafe(readFileSync(join(migrationsDir, migration, 'migration.sql'), 'utf8'));
      const secrets = await t.db.prisma.webhookSubscription.findMany({ where: { id: { in: [legacyHook.id, currentHook.id] } }, orderBy: { id: 'asc' } });
      expect(secrets.map((s) => s.secret)).toEqual([`whsec_${key.toString('base64')}`, currentHook.secret]);

      expect((await t.api('POST', `/api/webhooks/${legacyHook.id}/ping`)).body.data).toMatchObject({ ok: true });
      const pinged = receiver.received.at(-1)!;
      expect(new Webhook(key, { format: 'raw' }).verify(pinged.body, signed(pinged))).toEqual(pinged.event);
      // The receiver's copy, as it was shown: the typed client takes it as it is.
      expect(verifyWebhook({ secret: legacySecret, headers: pinged.headers, body: pinged.body })).toEqual(pinged.event);
      await t.api('DELETE', `/api/webhooks/${legacyHook.id}`);
      await t.api('DELETE', `/api/webhooks/${currentHook.id}`);
    } finally {
      await receiver.close();
    }
  });

  it('refuses URLs on internal networks unless WEBHOOK_ALLOW_PRIVATE_NETWORKS is true', async () => {
    const guarded = await startSibling(t, { env: { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'false' } });
    try {
      for (const url of ['http://127.0.0.1:8080/hook', 'http://localhost/hook', 'http://[::1]/hook', 'http://169.254.169.254/latest', 'http://10.1.2.3/', 'http://192.168.1.1/']) {
        const refused = await guarded.api('POST', '/api/webhooks', { json: { url } });
        expect(refused.status, url).toBe(422);
        expect(refused.body.errors.url).toEqual([WEBHOOK_URL_INTERNAL_MESSAGE]);
      }
      expect((await guarded.api('POST', '/api/webhooks', { json: { url: 'ftp://example.com/' } })).status).toBe(422);
    } finally {
      await guarded.close();
    }
  });
});
