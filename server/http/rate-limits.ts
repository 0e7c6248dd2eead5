// Rate limits: express-rate-limit, counting per API key (per client IP for requests without a valid
// key, so that guessing keys is bounded), with the IETF draft RateLimit-Policy/RateLimit headers
// (draft 8) and a 429 + Retry-After in the API's error format. With REDIS_URL the instances share
// their counts through Redis (rate-limit-redis over ioredis); without it each process counts alone.
//
// Redis unreachable: requests are served, counted per instance until Redis answers again (so each
// instance still enforces the limit on its own), with one warning when Redis is lost and one line
// when it is back. Refusing every request because a counter is away would turn a cache outage into
// an API outage; not counting at all would lift the limit exactly when the system is degraded.
import { createRequire } from 'node:module';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator, MemoryStore, rateLimit, type IncrementResponse, type Options, type Store } from 'express-rate-limit';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { RedisStore } from 'rate-limit-redis';
import type { Config } from '../platform/config.ts';
import { ApiError } from '../core/errors.ts';
import { tooManyRequests } from '../core/messages.ts';

export type RateLimitSettings = Pick<Config, 'redisUrl' | 'rateLimitPrefix' | 'rateLimitWindowMs' | 'rateLimitPerKey' | 'rateLimitPerIp'>;

/** A Redis command that gets no answer within this time counts as Redis being unreachable. */
const REDIS_COMMAND_TIMEOUT_MS = 250;

/**
 * `command`'s answer, or a rejection once it has had none for REDIS_COMMAND_TIMEOUT_MS. Not ioredis's
 * `commandTimeout`: its timer fires first when this process resumes after a stall (a long synchronous
 * step, a GC pause, no CPU on a busy or throttled machine), before the answer that arrived meanwhile
 * is read, so a stall of this process passed for a Redis outage and the limits went per instance.
 * Here the answer gets one look at the socket (the poll phase, before setImmediate) first.
 */
function answered<T>(command: Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      setImmediate(() => reject(new Error(`Redis did not answer within ${REDIS_COMMAND_TIMEOUT_MS} ms`)));
    }, REDIS_COMMAND_TIMEOUT_MS);
    command.then(
      (value) => { clearTimeout(timer); resolve(value); },
      (error: unknown) => { clearTimeout(timer); reject(error); },
    );
  });
}
/** While Redis is away, it is tried again this often (one PING), not on every request. */
const REDIS_PROBE_INTERVAL_MS = 1000;
/** How long start-up waits for the first connection before it warns and counts locally. */
const REDIS_CONNECT_WAIT_MS = 2000;

// ioredis takes about as long to load as Express: it and rate-limit-redis are loaded only when
// REDIS_URL is set, so that a start without Redis does not pay for them.
const load = createRequire(import.meta.url);

/**
 * The Redis store while Redis answers, a per-process MemoryStore while it does not. Written here
 * because express-rate-limit offers only `passOnStoreError` (no counting at all during an outage).
 */
class RedisOrLocalStore implements Store {
  private readonly shared: RedisStore;
  private readonly local = new MemoryStore();
  private readonly redis: Redis;
  private readonly logger: Logger;
  private options: Options | undefined;
  private state: 'starting' | 'shared' | 'local' = 'starting';
  /** Requests that come while the first connection is made wait for it (REDIS_CONNECT_WAIT_MS at most). */
  private started: Promise<void> = Promise.resolve();
  private probing = false;

  constructor(redis: Redis, prefix: string, logger: Logger) {
    this.redis = redis;
    this.logger = logger;
    const { RedisStore: SharedStore } = load('rate-limit-redis') as typeof import('rate-limit-redis');
    this.shared = new SharedStore({ prefix, sendCommand: (command: string, ...args: string[]) => answered(redis.call(command, ...args)) as never });
  }

  init(options: Options): void {
    this.options = options;
    this.local.init(options);
    this.started = this.start();
  }

  private async start(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const connected = this.redis.status === 'ready' || await new Promise<boolean>((resolve) => {
      // Not events.once: it rejects on the 'error' events of failed connection attempts.
      this.redis.once('ready', () => resolve(true));
      timer = setTimeout(resolve, REDIS_CONNECT_WAIT_MS, false);
    });
    clearTimeout(timer);
    if (connected && (await this.loadScripts())) this.state = 'shared';
    else this.lost(new Error(`no connection to Redis within ${REDIS_CONNECT_WAIT_MS} ms of start-up`));
  }

  async increment(key: string): Promise<IncrementResponse> {
    if (this.state === 'starting') await this.started;
    if (this.state === 'shared') {
      try {
        return await this.shared.increment(key);
      } catch (error) {
        this.lost(error);
      }
    }
    return this.local.increment(key);
  }

  async decrement(key: string): Promise<void> {
    if (this.state === 'shared') await this.shared.decrement(key).catch((error: unknown) => this.lost(error));
    else this.local.decrement(key);
  }

  async resetKey(key: string): Promise<void> {
    this.local.resetKey(key);
    if (this.state === 'shared') await this.shared.resetKey(key).catch((error: unknown) => this.lost(error));
  }

  shutdown(): void {
    this.local.shutdown();
  }

  /** (Re)loads rate-limit-redis's scripts: a load that failed while Redis was away stays failed otherwise. */
  private async loadScripts(): Promise<boolean> {
    try {
      await this.shared.init(this.options!);
      return true;
    } catch {
      return false;
    }
  }

  private lost(error: unknown): void {
    if (this.state !== 'local') {
      this.logger.warn({ err: error }, 'Redis is unreachable: rate limits are counted per instance until it answers again');
    }
    this.state = 'local';
    if (!this.probing) void this.probe();
  }

  private async probe(): Promise<void> {
    this.probing = true;
    while (this.state === 'local' && this.redis.status !== 'end') {
      await new Promise((resolve) => setTimeout(resolve, REDIS_PROBE_INTERVAL_MS).unref());
      const answers = await answered(this.redis.ping()).then(() => true, () => false);
      if (answers && (await this.loadScripts())) {
        this.state = 'shared';
        this.logger.info('Redis answers again: rate limits are shared between instances again');
      }
    }
    this.probing = false;
  }
}

export interface RateLimits {
  /** Counts the request against its key (res.locals.caller) or, without a valid key, its IP. */
  middleware: RequestHandler;
  /** Where the counts live. */
  kind: 'redis' | 'memory';
  close(): Promise<void>;
}

export function createRateLimits(settings: RateLimitSettings, logger: Logger): RateLimits {
  const keyOf = (res: Response) => (res.locals as { caller?: { apiKeyId: number } }).caller?.apiKeyId;
  const redis = settings.redisUrl === undefined ? undefined : new (load('ioredis') as typeof import('ioredis')).Redis(settings.redisUrl, {
    // Fail at once while disconnected; a command Redis does not answer is given up by `answered`: a
    // request never waits for the limiter much longer than REDIS_COMMAND_TIMEOUT_MS.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 1000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
  // Connection errors are handled by the store (it counts locally and probes); without a listener
  // ioredis would print each one.
  redis?.on('error', () => {});
  const store = redis ? new RedisOrLocalStore(redis, `${settings.rateLimitPrefix}rate-limit:`, logger) : undefined;
  const middleware = rateLimit({
    windowMs: settings.rateLimitWindowMs,
    limit: (_req, res) => (keyOf(res) !== undefined ? settings.rateLimitPerKey : settings.rateLimitPerIp),
    keyGenerator: (req, res) => (keyOf(res) !== undefined ? `key:${keyOf(res)}` : `ip:${ipKeyGenerator(req.ip ?? '')}`),
    identifier: (_req, res) => (keyOf(res) !== undefined ? 'per-key' : 'per-ip'),
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    ...(store ? { store } : {}),
    // express-rate-limit has set Retry-After (the seconds until the window resets) and the RateLimit headers.
    handler: (req: Request, res: Response, next: NextFunction) => {
      const who = keyOf(res) !== undefined ? 'for this API key' : 'from this address without a valid API key';
      const { limit } = (req as Request & { rateLimit: { limit: number } }).rateLimit;
      next(new ApiError(429, tooManyRequests(who, limit, settings.rateLimitWindowMs / 1000)));
    },
  });
  return {
    middleware,
    kind: redis ? 'redis' : 'memory',
    close: async () => {
      store?.shutdown();
      if (redis) await answered(redis.quit()).catch(() => redis.disconnect());
    },
  };
}
