// The one place that reads the environment. Everything else receives a Config.
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { parseProjectNumberFormat, type ProjectNumberFormat } from '../core/project-number-format.ts';

export interface Config {
  port: number;
  host: string;
  /** `postgresql://…` selects PostgreSQL; otherwise the embedded PGlite is used. */
  databaseUrl: string | undefined;
  /** PGlite data directory, or `memory://` for a throw-away in-memory database. */
  pgliteDataDir: string;
  /** Connections per instance in the PostgreSQL pool. */
  databasePoolSize: number;
  /** Most statements each PostgreSQL connection keeps prepared (server/platform/database/statement-names.ts); 0: none. */
  databasePreparedStatements: number;
  /**
   * Requests that may wait for the database beyond those it is serving (the pool size; 1 on
   * PGlite). Any more are refused at once with 503 and Retry-After.
   */
  databaseQueueLimit: number;
  /** Longest wait to open a connection, to get one from the pool, or to start a transaction. */
  databaseConnectTimeoutMs: number;
  /** Longest a statement may run (PostgreSQL's statement_timeout) and the client waits for its answer. */
  databaseQueryTimeoutMs: number;
  /** Longest an interactive transaction may stay open before it is rolled back. */
  databaseTransactionTimeoutMs: number;
  /** How long start-up keeps retrying a database it cannot reach before it gives up. */
  databaseStartupTimeoutMs: number;
  logLevel: string;
  /** Largest accepted request body, in bytes. */
  bodyLimitBytes: number;
  /** How long SIGTERM waits for in-flight requests before closing anyway. */
  shutdownTimeoutMs: number;
  /** Email of the main administrator created on first start (projects default to this creator). */
  adminEmail: string;
  /** Validate every response against the spec (on in tests; costs time in production). */
  validateResponses: boolean;
  /** How long a server may go on accepting a key that another process has revoked. */
  apiKeyCacheMs: number;
  /** Browser origins allowed to call the API across origins (CORS); empty: no CORS headers at all. */
  corsOrigins: string[];
  /** How long an Idempotency-Key and its stored answer are kept. */
  idempotencyKeyTtlMs: number;
  /** How long a retry waits for the first request with its Idempotency-Key to finish before it is a 409. */
  idempotencyWaitMs: number;
  /** `redis://…`: instances share their rate-limit counts there; unset: each process counts alone. */
  redisUrl: string | undefined;
  /** Prefix of every Redis key this server writes. */
  rateLimitPrefix: string;
  /** The rate-limit window. */
  rateLimitWindowMs: number;
  /** Requests per window for each API key. */
  rateLimitPerKey: number;
  /** Requests per window from one IP address without a valid API key. */
  rateLimitPerIp: number;
  /** Serve Prometheus metrics at /metrics. */
  metricsEnabled: boolean;
  /** When set, a scrape of /metrics must send `Authorization: Bearer <token>`. */
  metricsToken: string | undefined;
  /** OTLP/HTTP endpoint (`http://collector:4318`) to send traces to; unset: no tracing. */
  otelEndpoint: string | undefined;
  /**
   * Express's `trust proxy`: which proxies in front may set X-Forwarded-For, so that the client address
   * (per-address rate limit, logs) is the caller's and not the proxy's. false: trust none.
   */
  trustProxy: boolean | number | string[];
  /** Run the background jobs (webhook relay and deliveries) in this instance; off: it serves the API only. */
  backgroundJobs: boolean;
  /** Longest a webhook receiver may take to answer one delivery attempt. */
  webhookTimeoutMs: number;
  /** Attempts per delivery, the first included, before it is `failed`. */
  webhookMaxAttempts: number;
  /** The wait before the first retry; it doubles each time (with jitter) up to webhookRetryDelayMaxSeconds. */
  webhookRetryDelaySeconds: number;
  webhookRetryDelayMaxSeconds: number;
  /** Deliveries in a row that fail for good before the subscription is disabled. */
  webhookDisableAfter: number;
  /** Allow webhook URLs on loopback, private and other internal addresses (SSRF guard off). */
  webhookAllowPrivateNetworks: boolean;
  /** How often an instance looks for new events to hand to subscriptions (besides right after its own changes). */
  webhookRelayIntervalMs: number;
  /** How new projects are numbered (PROJECT_NUMBER_FORMAT, e.g. `P-{seq:5}` or `{client}-{seq:4}`). */
  projectNumberFormat: ProjectNumberFormat;
  /**
   * A clone that copies more rows than this is copied in the background: answered 202 with an
   * operation to poll when the client asks for it (Prefer: respond-async), else waited for.
   */
  duplicationSyncLimit: number;
  /** How long a clone request without Prefer: respond-async waits for its background copy before a 503. */
  duplicationWaitMs: number;
  /** Source rows a background copy copies per transaction (each commit advances its progress). */
  duplicationChunkRows: number;
  /** Runs of a background copy that ends in an error before it is `failed` (the first included). */
  duplicationMaxAttempts: number;
}

/** A configuration value that cannot be used; its message names the variable and what it accepts. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}".`);
  }
  return value;
}

function projectNumberFormat(env: NodeJS.ProcessEnv, name: string): ProjectNumberFormat {
  const template = env[name] || 'P-{seq:5}';
  const format = parseProjectNumberFormat(template);
  if (typeof format === 'string') throw new ConfigError(`${name} ${format}, got "${template}".`);
  return format;
}

function boolean(env: NodeJS.ProcessEnv, name: string, fallback = false): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'false') return false;
  if (raw === 'true') return true;
  throw new ConfigError(`${name} must be true or false, got "${raw}".`);
}

/** TRUST_PROXY: `true`, `false`, a number of proxy hops, or a comma-separated list of addresses/CIDRs. */
function trustProxy(env: NodeJS.ProcessEnv, name: string): boolean | number | string[] {
  const text = env[name]?.trim();
  if (!text || text === 'false') return false;
  if (text === 'true') return true;
  if (/^\d+$/.test(text)) return Number(text);
  const entries = text.split(',').map((entry) => entry.trim());
  const named = ['loopback', 'linklocal', 'uniquelocal'];
  for (const entry of entries) {
    const [address, bits, ...rest] = entry.split('/');
    if (named.includes(entry) || (address && isIP(address) && rest.length === 0 && (bits === undefined || /^\d{1,3}$/.test(bits)))) continue;
    throw new ConfigError(`${name} must be true, false, a number of proxy hops, or a comma-separated list of addresses or CIDR ranges (or loopback, linklocal, uniquelocal), got "${entry}".`);
  }
  return entries;
}

/** `https://app.example.com,http://localhost:5173` → the origins, each exactly as a browser sends it. */
function origins(env: NodeJS.ProcessEnv, name: string): string[] {
  return (env[name] ?? '').split(',').map((item) => item.trim()).filter(Boolean).map((item) => {
    let origin: string | undefined;
    try { origin = new URL(item).origin; } catch { /* reported below */ }
    if (!origin || origin === 'null' || origin !== item.replace(/\/$/, '')) {
      throw new Error(`${name} must be a comma-separated list of origins such as https://app.example.com, got "${item}"${origin && origin !== 'null' ? ` (write it as ${origin})` : ''}.`);
    }
    return origin;
  });
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must start with postgresql:// (leave it unset for the embedded database).');
  }
  if (databaseUrl !== undefined && !URL.canParse(databaseUrl)) {
    throw new ConfigError('DATABASE_URL is not a valid URL (postgresql://user:password@host:5432/database; percent-encode special characters).');
  }
  const redisUrl = env.REDIS_URL || undefined;
  if (redisUrl !== undefined && !(/^rediss?:\/\//.test(redisUrl) && URL.canParse(redisUrl))) {
    throw new ConfigError('REDIS_URL must be a redis:// or rediss:// URL (leave it unset to count rate limits per process).');
  }
  const dataDir = env.PGLITE_DATA_DIR || './data/pglite';
  const adminEmail = (env.ADMIN_EMAIL || 'admin@example.com').trim().toLowerCase();
  const logLevel = env.LOG_LEVEL || 'info';
  const metricsEnabled = boolean(env, 'METRICS_ENABLED');
  const metricsToken = env.METRICS_TOKEN || undefined;
  if (metricsToken !== undefined && !metricsEnabled) throw new ConfigError('METRICS_TOKEN is set but METRICS_ENABLED is not true: set METRICS_ENABLED=true to serve /metrics.');
  if (metricsToken !== undefined && metricsToken.length < 16) throw new ConfigError('METRICS_TOKEN must be at least 16 characters long.');
  const otelEndpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined;
  if (otelEndpoint !== undefined && !/^https?:\/\//.test(otelEndpoint)) {
    throw new ConfigError(`OTEL_EXPORTER_OTLP_ENDPOINT must be an http:// or https:// URL (OTLP over HTTP), got "${otelEndpoint}".`);
  }
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}".`);
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(adminEmail)) throw new ConfigError(`ADMIN_EMAIL must be an email address, got "${adminEmail}".`);
  return {
    port: integer(env, 'PORT', 3000, 0, 65535),
    host: env.HOST || '0.0.0.0',
    databaseUrl,
    pgliteDataDir: dataDir.startsWith('memory://') ? dataDir : resolve(dataDir),
    databasePoolSize: integer(env, 'DATABASE_POOL_SIZE', 10, 1, 1000),
    databasePreparedStatements: integer(env, 'DATABASE_PREPARED_STATEMENTS', 200, 0, 10_000),
    databaseQueueLimit: integer(env, 'DATABASE_QUEUE_LIMIT', 50, 0, 100_000),
    databaseConnectTimeoutMs: integer(env, 'DATABASE_CONNECT_TIMEOUT_MS', 2000, 100, 600_000),
    databaseQueryTimeoutMs: integer(env, 'DATABASE_QUERY_TIMEOUT_MS', 2500, 100, 3_600_000),
    databaseTransactionTimeoutMs: integer(env, 'DATABASE_TRANSACTION_TIMEOUT_MS', 4000, 100, 3_600_000),
    databaseStartupTimeoutMs: integer(env, 'DATABASE_STARTUP_TIMEOUT_MS', 30_000, 0, 3_600_000),
    logLevel,
    bodyLimitBytes: integer(env, 'BODY_LIMIT_BYTES', 100 * 1024, 1024, 50 * 1024 * 1024),
    shutdownTimeoutMs: integer(env, 'SHUTDOWN_TIMEOUT_MS', 10_000, 0, 600_000),
    adminEmail,
    validateResponses: env.VALIDATE_RESPONSES === 'true',
    apiKeyCacheMs: integer(env, 'API_KEY_CACHE_MS', 5_000, 0, 600_000),
    corsOrigins: origins(env, 'CORS_ORIGINS'),
    idempotencyKeyTtlMs: integer(env, 'IDEMPOTENCY_KEY_TTL_SECONDS', 24 * 3600, 1, 30 * 24 * 3600) * 1000,
    idempotencyWaitMs: integer(env, 'IDEMPOTENCY_WAIT_MS', 2000, 0, 60_000),
    redisUrl,
    rateLimitPrefix: env.RATE_LIMIT_PREFIX ?? 'projects-api:',
    rateLimitWindowMs: integer(env, 'RATE_LIMIT_WINDOW_SECONDS', 60, 1, 24 * 3600) * 1000,
    // High enough that no real integration (nor a benchmark at a few thousand requests a second)
    // meets it; a deployment sets its own fair share.
    rateLimitPerKey: integer(env, 'RATE_LIMIT_PER_KEY', 300_000, 1, 1_000_000_000),
    rateLimitPerIp: integer(env, 'RATE_LIMIT_PER_IP', 600, 1, 1_000_000_000),
    metricsEnabled,
    metricsToken,
    otelEndpoint,
    trustProxy: trustProxy(env, 'TRUST_PROXY'),
    backgroundJobs: boolean(env, 'BACKGROUND_JOBS', true),
    webhookTimeoutMs: integer(env, 'WEBHOOK_TIMEOUT_MS', 10_000, 100, 120_000),
    webhookMaxAttempts: integer(env, 'WEBHOOK_MAX_ATTEMPTS', 8, 1, 50),
    webhookRetryDelaySeconds: integer(env, 'WEBHOOK_RETRY_DELAY_SECONDS', 10, 1, 3600),
    webhookRetryDelayMaxSeconds: integer(env, 'WEBHOOK_RETRY_DELAY_MAX_SECONDS', 3600, 1, 7 * 24 * 3600),
    webhookDisableAfter: integer(env, 'WEBHOOK_DISABLE_AFTER', 10, 1, 10_000),
    webhookAllowPrivateNetworks: boolean(env, 'WEBHOOK_ALLOW_PRIVATE_NETWORKS'),
    webhookRelayIntervalMs: integer(env, 'WEBHOOK_RELAY_INTERVAL_MS', 1000, 50, 600_000),
    projectNumberFormat: projectNumberFormat(env, 'PROJECT_NUMBER_FORMAT'),
    duplicationSyncLimit: integer(env, 'DUPLICATION_SYNC_LIMIT', 500, 0, 100_000),
    duplicationWaitMs: integer(env, 'DUPLICATION_WAIT_MS', 30_000, 0, 600_000),
    duplicationChunkRows: integer(env, 'DUPLICATION_CHUNK_ROWS', 100, 1, 10_000),
    duplicationMaxAttempts: integer(env, 'DUPLICATION_MAX_ATTEMPTS', 3, 1, 50),
  };
}

export type WebhookSettings = Pick<Config,
  'webhookTimeoutMs' | 'webhookMaxAttempts' | 'webhookRetryDelaySeconds' | 'webhookRetryDelayMaxSeconds'
  | 'webhookDisableAfter' | 'webhookAllowPrivateNetworks' | 'webhookRelayIntervalMs'>;
