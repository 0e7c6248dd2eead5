// The one place that reads the environment. Everything else receives a Config.
import { resolve } from 'node:path';

export interface Config {
  port: number;
  host: string;
  /** `postgresql://…` selects PostgreSQL; otherwise the embedded PGlite is used. */
  databaseUrl: string | undefined;
  /** PGlite data directory, or `memory://` for a throw-away in-memory database. */
  pgliteDataDir: string;
  /** Connections per instance in the PostgreSQL pool. */
  databasePoolSize: number;
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
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max}, got "${raw}".`);
  }
  return value;
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
    throw new Error('DATABASE_URL must start with postgresql:// (leave it unset for the embedded database).');
  }
  const dataDir = env.PGLITE_DATA_DIR || './data/pglite';
  const adminEmail = (env.ADMIN_EMAIL || 'admin@example.com').trim().toLowerCase();
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(adminEmail)) throw new Error(`ADMIN_EMAIL must be an email address, got "${adminEmail}".`);
  return {
    port: integer(env, 'PORT', 3000, 0, 65535),
    host: env.HOST || '0.0.0.0',
    databaseUrl,
    pgliteDataDir: dataDir.startsWith('memory://') ? dataDir : resolve(dataDir),
    databasePoolSize: integer(env, 'DATABASE_POOL_SIZE', 10, 1, 1000),
    logLevel: env.LOG_LEVEL || 'info',
    bodyLimitBytes: integer(env, 'BODY_LIMIT_BYTES', 100 * 1024, 1024, 50 * 1024 * 1024),
    shutdownTimeoutMs: integer(env, 'SHUTDOWN_TIMEOUT_MS', 10_000, 0, 600_000),
    adminEmail,
    validateResponses: env.VALIDATE_RESPONSES === 'true',
    apiKeyCacheMs: integer(env, 'API_KEY_CACHE_MS', 5_000, 0, 600_000),
    corsOrigins: origins(env, 'CORS_ORIGINS'),
  };
}
