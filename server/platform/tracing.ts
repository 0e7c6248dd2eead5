// Optional OpenTelemetry tracing, on when OTEL_EXPORTER_OTLP_ENDPOINT is set: one server span per
// request (continuing a caller's W3C `traceparent`), and Prisma's own spans for every query and
// transaction beneath it, sent in batches over OTLP/HTTP. Without the endpoint none of the
// OpenTelemetry packages is even loaded (@opentelemetry/api alone took 0.1 s to import here).
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { observeDriverStatements, type StatementObserver } from './database/driver-statements.ts';

export const TRACER_NAME = 'growcrm-projects-api';

export interface Tracing {
  /** Starts each request's server span (the app's first middleware but the request log). */
  requestSpans: RequestHandler;
  /** Sends the spans still buffered and stops the exporter (at shutdown). */
  shutdown(): Promise<void>;
}

export async function startTracing(endpoint: string, logger: Logger, serviceName = TRACER_NAME): Promise<Tracing> {
  const api = await import('@opentelemetry/api');
  const { diag, DiagLogLevel } = api;
  // OpenTelemetry reports a collector it cannot reach through its own diagnostics, silent by default.
  // An export failure arrives as the error serialised to JSON: its message is what an operator needs.
  const report = (message: string) => {
    let text = message;
    try { text = (JSON.parse(message) as { message?: string }).message ?? message; } catch { /* plain text */ }
    logger.warn(`tracing: ${text}`);
  };
  const ignore = () => {};
  diag.setLogger({ error: report, warn: report, info: ignore, debug: ignore, verbose: ignore }, DiagLogLevel.WARN);
  const [{ NodeTracerProvider, BatchSpanProcessor }, { OTLPTraceExporter }, { resourceFromAttributes }, { registerInstrumentations }, { PrismaInstrumentation }] =
    await Promise.all([
      import('@opentelemetry/sdk-trace-node'),
      import('@opentelemetry/exporter-trace-otlp-http'),
      import('@opentelemetry/resources'),
      import('@opentelemetry/instrumentation'),
      import('@prisma/instrumentation'),
    ]);
  const exporter = new OTLPTraceExporter({ url: `${endpoint.replace(/\/+$/, '')}/v1/traces` });
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  // The global provider, AsyncLocalStorage context and the W3C trace-context propagator.
  provider.register();
  registerInstrumentations({ tracerProvider: provider, instrumentations: [new PrismaInstrumentation()] });
  observeDriverStatements(statementSpans(api));
  return {
    requestSpans: requestSpans(api),
    shutdown: () => {
      observeDriverStatements(undefined);
      return provider.shutdown();
    },
  };
}

/**
 * A client span per statement sent on the pg driver directly (driver-statements.ts), named and
 * described as @opentelemetry/instrumentation-pg names its own: that package patches pg as it loads,
 * which an ES-module start-up cannot promise (as for the server span, below).
 */
function statementSpans({ SpanKind, SpanStatusCode, trace }: typeof import('@opentelemetry/api')): StatementObserver {
  const tracer = trace.getTracer(TRACER_NAME);
  return (text, run) => {
    const operation = /^\s*(\w+)/.exec(text)?.[1]?.toUpperCase() ?? 'QUERY';
    const attributes = { 'db.system.name': 'postgresql', 'db.operation.name': operation, 'db.query.text': text };
    return tracer.startActiveSpan(`pg.query:${operation}`, { kind: SpanKind.CLIENT, attributes }, async (span) => {
      try {
        return await run();
      } catch (error) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw error;
      } finally {
        span.end();
      }
    });
  };
}

/**
 * The request's server span, made here rather than by @opentelemetry/instrumentation-http: that one
 * must patch `node:http` before anything imports it, which an ES-module start-up cannot promise
 * without a `--import` flag on every way the server is started.
 */
function requestSpans({ context, propagation, SpanKind, SpanStatusCode, trace }: typeof import('@opentelemetry/api')): RequestHandler {
  const tracer = trace.getTracer(TRACER_NAME);
  return (req: Request, res: Response, next: NextFunction) => {
    const parent = propagation.extract(context.active(), req.headers);
    const span = tracer.startSpan(req.method, {
      kind: SpanKind.SERVER,
      attributes: { 'http.request.method': req.method, 'url.path': req.path, 'http.request_id': req.id },
    }, parent);
    const active = trace.setSpan(parent, span);
    res.once('finish', () => {
      const route = (req.route as { path?: unknown } | undefined)?.path;
      if (typeof route === 'string') {
        span.updateName(`${req.method} ${route}`);
        span.setAttribute('http.route', route);
      }
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    // Body parsing resumes in the socket's callbacks: bound, they keep this request's context.
    context.bind(active, req);
    context.bind(active, res);
    context.with(active, next);
  };
}
