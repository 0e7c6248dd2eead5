// Prometheus metrics (prom-client): one latency histogram per request, labelled by the spec's
// operationId, whose `_count` series are the request counts; the PostgreSQL pool and the process's
// own metrics are read only when Prometheus scrapes.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Registry } from 'prom-client';
import type { Database } from '../platform/database/connection.ts';
import { ApiError } from '../core/errors.ts';
import { METRICS_UNAUTHORIZED_MESSAGE } from '../core/messages.ts';
import { listOperations, loadSpec, type OpenApiDocument } from '../contract/spec.ts';

/** Label of requests that match no operation of the spec and no other route (404s, scanners). */
const UNMATCHED = 'unmatched';

export interface Metrics {
  registry: Registry;
  /** Times every request and counts it when its answer has been sent. */
  observe: RequestHandler;
  /** `GET /metrics`: the text exposition format, behind the scrape token when one is configured. */
  endpoint: RequestHandler;
}

/**
 * Finds the operationId of a request. Routed requests carry their Express route; a request refused
 * before routing (401, 422, 413) is matched against the spec's paths, only then.
 */
function operationNamer(doc: OpenApiDocument) {
  const operations = listOperations(doc);
  const byRoute = new Map(operations.map((o) => [`${o.method.toUpperCase()} ${o.expressPath}`, o.operation.operationId]));
  const patterns = operations.map((o) => ({
    method: o.method.toUpperCase(),
    path: new RegExp(`^${o.specPath.replace(/\{\w+\}/g, '[^/]+')}/?$`),
    operationId: o.operation.operationId,
  }));
  return (req: Request): string => {
    const routePath = (req.route as { path?: unknown } | undefined)?.path;
    if (typeof routePath === 'string') return byRoute.get(`${req.method} ${routePath}`) ?? routePath;
    const path = req.originalUrl.split('?', 1)[0]!;
    return patterns.find((p) => p.method === req.method && p.path.test(path))?.operationId ?? UNMATCHED;
  };
}

/** Compares in constant time, so that the scrape token cannot be guessed byte by byte from timings. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** Loads prom-client only when metrics are enabled (its import took 0.2 s here, on a start of about 2 s). */
export async function createMetrics(db: Database, options: { token: string | undefined }): Promise<Metrics> {
  const { collectDefaultMetrics, Gauge, Histogram, Registry } = await import('prom-client');
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time from receiving a request to sending its answer, by operationId (or route), method and status; _count counts requests.',
    labelNames: ['operation', 'method', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });

  const pool = db.pool;
  new Gauge({
    name: 'db_pool_connections_max',
    help: 'Connections the database pool may open (1 for the embedded PGlite).',
    registers: [registry],
    collect() { this.set(pool?.max ?? 1); },
  });
  if (pool) {
    new Gauge({
      name: 'db_pool_connections_in_use',
      help: 'PostgreSQL connections checked out of the pool.',
      registers: [registry],
      collect() { this.set(pool.stats().inUse); },
    });
    new Gauge({
      name: 'db_pool_connections_idle',
      help: 'Open PostgreSQL connections waiting in the pool.',
      registers: [registry],
      collect() { this.set(pool.stats().idle); },
    });
    new Gauge({
      name: 'db_pool_waiting_requests',
      help: 'Queries waiting for a free PostgreSQL connection.',
      registers: [registry],
      collect() { this.set(pool.stats().waiting); },
    });
  }

  const operationOf = operationNamer(loadSpec());
  const observe: RequestHandler = (req: Request, res: Response, next: NextFunction) => {
    const stop = duration.startTimer();
    res.once('finish', () => { stop({ operation: operationOf(req), method: req.method, status: res.statusCode }); });
    next();
  };

  const endpoint: RequestHandler = async (req, res) => {
    if (options.token !== undefined) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '');
      if (!match || !sameSecret(match[1]!, options.token)) {
        res.setHeader('WWW-Authenticate', 'Bearer');
        throw new ApiError(401, METRICS_UNAUTHORIZED_MESSAGE);
      }
    }
    res.setHeader('Cache-Control', 'no-store');
    res.type(registry.contentType).send(await registry.metrics());
  };

  return { registry, observe, endpoint };
}
