// Rate limits per API key (per address without a valid key): RateLimit-Policy/RateLimit headers,
// 429 + Retry-After in the error format; shared through Redis by several instances; served and
// counted per instance while Redis is unreachable (cut with a TCP proxy in front of Redis).
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { answerHeaders, createProjectsClient } from '../../../client/index.ts';
import { createAdministratorKey } from '../../../server/api-keys/store.ts';
import { createLogger } from '../../../server/platform/logging.ts';
import { startSibling, useTestServer, type ApiResponse, type TestServer } from '../../helpers/server.ts';
import { startTcpProxy } from '../../helpers/tcp-proxy.ts';
import { until } from '../../helpers/wait.ts';
import { tooManyRequests } from '../../../server/core/messages.ts';

const { t } = useTestServer();
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** Every Redis key these tests write starts with this (the sandbox's prefix, then a run of its own). */
const prefix = `rate-limits-test:${randomUUID()}:`;
const redis = new Redis(REDIS_URL);

afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

/** `"per-key"; r=4; t=60` → { name, remaining, resetSeconds }. */
function rateLimitOf(response: ApiResponse) {
  const match = /^"([^"]+)"; r=(\d+); t=(\d+)$/.exec(response.headers.get('ratelimit') ?? '');
  if (!match) throw new Error(`no RateLimit header: ${response.headers.get('ratelimit')}`);
  return { name: match[1], remaining: Number(match[2]), resetSeconds: Number(match[3]) };
}

async function withSibling<T>(env: NodeJS.ProcessEnv, use: (server: TestServer, lines: string[]) => Promise<T>): Promise<T> {
  const lines: string[] = [];
  const server = await startSibling(t, { env, logger: createLogger('info', { write: (line: string) => { lines.push(line); } }) });
  try {
    return await use(server, lines);
  } finally {
    await server.close();
  }
}

/**
 * Until each of `servers` counts in Redis (a request with a key of its own moves the shared counter),
 * for RATE_LIMIT_PREFIX `keyPrefix`: on a busy machine an instance may still be connecting to Redis,
 * or have given up waiting for it at start-up and count alone until its next probe, when it starts
 * serving. Returns the warm-up key's counter, which is not part of what a test counts.
 */
async function untilCountedInRedis(servers: TestServer[], keyPrefix: string): Promise<string> {
  const warmUp = await createAdministratorKey(t.db.prisma, 'rate-limit warm-up');
  const counter = `${keyPrefix}rate-limit:key:${warmUp.id}`;
  for (const [index, server] of servers.entries()) {
    await until(`instance ${index + 1} to count in Redis`, async () => {
      const before = Number(await redis.get(counter));
      await server.api('GET', '/api/categories', { headers: { authorization: `Bearer ${warmUp.key}` } });
      return Number(await redis.get(counter)) === before + 1;
    });
  }
  return counter;
}

describe('rate limits', () => {
  it('every answer carries RateLimit-Policy and RateLimit; past the quota a 429 with Retry-After, per key', async () => {
    await withSibling({ RATE_LIMIT_PER_KEY: '5', RATE_LIMIT_WINDOW_SECONDS: '60' }, async (s) => {
      const answers: ApiResponse[] = [];
      const started = Date.now();
      for (let i = 0; i < 6; i++) answers.push(await s.api('GET', '/api/clients'));
      const secondsSpent = Math.ceil((Date.now() - started) / 1000);
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 429]);
      expect(answers[0]!.headers.get('ratelimit-policy')).toMatch(/^"per-key"; q=5; w=60; pk=:[A-Za-z0-9+/=]+:$/);
      expect(answers.map((a) => rateLimitOf(a).remaining)).toEqual([4, 3, 2, 1, 0, 0]);
      const refused = answers[5]!;
      expect(refused.body).toEqual({ message: tooManyRequests('for this API key', 5, 60) });
      const retryAfter = Number(refused.headers.get('retry-after'));
      // The rest of the window that the first request opened: 60 s less the time the requests took.
      expect(retryAfter).toBeGreaterThanOrEqual(Math.min(59, 60 - secondsSpent));
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(rateLimitOf(refused).resetSeconds).toBe(retryAfter);
      // Another key has its own quota.
      const other = await createAdministratorKey(t.db.prisma, 'second integration');
      const theirs = await s.api('GET', '/api/clients', { headers: { authorization: `Bearer ${other.key}` } });
      expect(theirs.status).toBe(200);
      expect(rateLimitOf(theirs).remaining).toBe(4);
    });
  });

  it('the typed client reads the limits, versions and replays from any answer', async () => {
    await withSibling({ RATE_LIMIT_PER_KEY: '3', RATE_LIMIT_WINDOW_SECONDS: '60' }, async (s) => {
      const api = createProjectsClient({ baseUrl: s.baseUrl, apiKey: s.key });
      const body = { client_company_name: `Client ${randomUUID()}` };
      const first = await api.POST('/api/clients', { params: { header: { 'Idempotency-Key': 'client-1' } }, body });
      expect(answerHeaders(first.response)).toEqual({
        etag: undefined, replayed: false, retryAfterSeconds: undefined,
        rateLimit: { policy: 'per-key', limit: 3, windowSeconds: 60, remaining: 2, resetSeconds: 60 },
      });
      const replay = await api.POST('/api/clients', { params: { header: { 'Idempotency-Key': 'client-1' } }, body });
      expect(answerHeaders(replay.response)).toMatchObject({ replayed: true, rateLimit: { remaining: 1 } });
      const project = await api.GET('/api/projects/{id}', { params: { path: { id: 999_999 } } });
      expect(project.response.status).toBe(404);
      const refused = await api.GET('/api/clients');
      expect(refused.response.status).toBe(429);
      const headers = answerHeaders(refused.response);
      expect(headers.retryAfterSeconds).toBe(headers.rateLimit?.resetSeconds);
      expect(headers.rateLimit?.remaining).toBe(0);
    });
  });

  it('requests without a valid key count per address: guessing keys is bounded', async () => {
    await withSibling({ RATE_LIMIT_PER_IP: '3' }, async (s) => {
      const guesses = [];
      for (let i = 0; i < 5; i++) guesses.push(await s.api('GET', '/api/projects', { headers: { authorization: `Bearer gcp_${'x'.repeat(42)}${i}` } }));
      expect(guesses.map((g) => g.status)).toEqual([401, 401, 401, 429, 429]);
      expect(guesses[0]!.headers.get('ratelimit-policy')).toMatch(/^"per-ip"; q=3; w=60;/);
      expect(guesses[3]!.body.message).toBe(tooManyRequests('from this address without a valid API key', 3, 60));
      // A valid key is not held back by the address's failures.
      expect((await s.api('GET', '/api/projects')).status).toBe(200);
    });
  });

  it('behind a trusted proxy the address is the one X-Forwarded-For names; an untrusted header is ignored', async () => {
    const guess = (s: { api: typeof t.api }, from: string) =>
      s.api('GET', '/api/projects', { headers: { authorization: `Bearer gcp_${'x'.repeat(43)}`, 'x-forwarded-for': from } });
    await withSibling({ RATE_LIMIT_PER_IP: '2', TRUST_PROXY: 'loopback' }, async (s) => {
      expect([(await guess(s, '203.0.113.7')).status, (await guess(s, '203.0.113.7')).status, (await guess(s, '203.0.113.7')).status]).toEqual([401, 401, 429]);
      expect((await guess(s, '198.51.100.9')).status).toBe(401);
    });
    await withSibling({ RATE_LIMIT_PER_IP: '2' }, async (s) => {
      expect([(await guess(s, '203.0.113.7')).status, (await guess(s, '198.51.100.9')).status, (await guess(s, '192.0.2.1')).status]).toEqual([401, 401, 429]);
    });
  });

  it('a burst past the limit gets 429 with a correct Retry-After from either of two instances sharing Redis', async () => {
    // A window that a burst cannot outlast however slow the machine; its end is brought forward in
    // Redis (PEXPIRE, as time passing would) instead of being waited for.
    const env = { REDIS_URL, RATE_LIMIT_PREFIX: `${prefix}shared:`, RATE_LIMIT_PER_KEY: '10', RATE_LIMIT_WINDOW_SECONDS: '60' };
    await withSibling(env, (a, aLines) => withSibling(env, async (b, bLines) => {
      const warmUpCounter = await untilCountedInRedis([a, b], env.RATE_LIMIT_PREFIX);
      const linesBefore = aLines.length + bLines.length;
      const countedAlone = () => [...aLines, ...bLines].slice(linesBefore).filter((line) => line.includes('Redis is unreachable'));
      // One after another, alternating: the 11th to 16th requests are past the shared limit, three on each instance.
      const burst: Awaited<ReturnType<typeof a.api>>[] = [];
      for (let i = 0; i < 16; i++) burst.push(await (i % 2 === 0 ? a : b).api('GET', '/api/categories'));
      // Neither instance lost Redis meanwhile (it would have counted alone): the counts below are the shared ones.
      expect(countedAlone()).toEqual([]);
      expect(burst.filter((r) => r.status === 200)).toHaveLength(10);
      const refused = burst.filter((r) => r.status === 429);
      expect(refused).toHaveLength(6);
      // Both instances refuse: the count is the shared one.
      expect(new Set(refused.map((r) => burst.indexOf(r) % 2))).toEqual(new Set([0, 1]));
      // The counter in Redis, under the configured prefix, holds every request of the burst.
      const keys = (await redis.keys(`${prefix}shared:*`)).filter((key) => key !== warmUpCounter);
      expect(keys).toHaveLength(1);
      const counter = keys[0]!;
      expect(Number(await redis.get(counter))).toBe(16);
      // Retry-After is what was left of the shared window when the answer was made, which only
      // shrinks: at most the window, at least what Redis has left of it now.
      const pttl = await redis.pttl(counter);
      expect(pttl).toBeGreaterThan(0);
      for (const r of refused) {
        const retryAfter = Number(r.headers.get('retry-after'));
        expect(retryAfter).toBeGreaterThanOrEqual(Math.max(1, Math.ceil(pttl / 1000)));
        expect(retryAfter).toBeLessThanOrEqual(60);
        expect(rateLimitOf(r)).toMatchObject({ name: 'per-key', remaining: 0, resetSeconds: retryAfter });
      }
      // Still refused while the window lasts; accepted once it has ended, on either instance.
      expect((await b.api('GET', '/api/categories')).status).toBe(429);
      expect(await redis.pexpire(counter, 1)).toBe(1);
      await until('the window to end in Redis', async () => (await redis.exists(counter)) === 0);
      expect((await a.api('GET', '/api/categories')).status).toBe(200);
      expect((await b.api('GET', '/api/categories')).status).toBe(200);
      expect(Number(await redis.get(counter))).toBe(2);
    }));
  });

  it('Redis unreachable mid-run: requests are served, counted per instance, and shared again when it returns', async () => {
    const proxy = await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(REDIS_URL).port || 6379) });
    const env = { REDIS_URL: proxy.url(REDIS_URL), RATE_LIMIT_PREFIX: `${prefix}outage:`, RATE_LIMIT_PER_KEY: '6', RATE_LIMIT_WINDOW_SECONDS: '3600' };
    // (A window no run of this test outlasts: the shared count must still be there when Redis is back.)
    try {
      await withSibling(env, async (s, allLines) => {
        const warmUpCounter = await untilCountedInRedis([s], env.RATE_LIMIT_PREFIX);
        // What the instance logs from here on (not a fallback at start-up, which the warm-up waited out).
        const from = allLines.length;
        const logged = (text: string) => allLines.slice(from).filter((line) => line.includes(text));
        for (let i = 0; i < 2; i++) expect((await s.api('GET', '/api/clients')).status).toBe(200);
        const [counter] = (await redis.keys(`${prefix}outage:*`)).filter((key) => key !== warmUpCounter);
        expect(Number(await redis.get(counter!))).toBe(2);

        // Cut: open connections stall (no answer at all), new ones are refused.
        proxy.pause();
        await proxy.refuse();
        const during = [];
        for (let i = 0; i < 7; i++) during.push(await s.api('GET', '/api/clients'));
        // Served without waiting on Redis: only the first request sent its count (and waited for its
        // command timeout), the others were counted here alone at once. (Told by what reached Redis,
        // not by the clock: on a busy machine seven requests may take seconds anyway.)
        const sentToRedis = proxy.sentWhilePaused().toString('latin1');
        expect(sentToRedis.match(/\r\nEVALSHA\r\n/gi)).toHaveLength(1);
        expect(during.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200, 429]);
        expect(during.map((r) => rateLimitOf(r).remaining)).toEqual([5, 4, 3, 2, 1, 0, 0]);
        expect(logged('Redis is unreachable')).toHaveLength(1);
        expect(Number(await redis.get(counter!))).toBe(2);

        // Back: the instance probes, then counts in Redis again, from where the shared count was.
        proxy.drop();
        proxy.resume();
        await proxy.listen();
        await until('the instance to find Redis again', () => logged('Redis answers again').length > 0);
        expect(logged('Redis answers again')).toHaveLength(1);
        const after = await s.api('GET', '/api/clients');
        expect(after.status).toBe(200);
        expect(rateLimitOf(after).remaining).toBe(3);
        expect(Number(await redis.get(counter!))).toBe(3);
      });
    } finally {
      await proxy.close();
    }
  });

  it('an instance that starts while Redis is down serves, and shares its counts once Redis is there', async () => {
    const proxy = await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(REDIS_URL).port || 6379) });
    await proxy.refuse();
    const env = { REDIS_URL: proxy.url(REDIS_URL), RATE_LIMIT_PREFIX: `${prefix}late:`, RATE_LIMIT_PER_KEY: '50' };
    try {
      await withSibling(env, async (s, lines) => {
        expect((await s.api('GET', '/api/clients')).status).toBe(200);
        await proxy.listen();
        await until('the instance to find Redis', () => lines.some((line) => line.includes('Redis answers again')));
        expect((await s.api('GET', '/api/clients')).status).toBe(200);
        const keys = await redis.keys(`${prefix}late:*`);
        expect(keys).toHaveLength(1);
        expect(Number(await redis.get(keys[0]!))).toBe(1);
      });
    } finally {
      await proxy.close();
    }
  });
});
