// OpenTelemetry tracing against a stand-in OTLP/HTTP collector on this machine: a server span per
// request that continues the caller's traceparent, with Prisma's query spans beneath it.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../server/platform/logging.ts';
import { startTracing, type Tracing } from '../../../server/platform/tracing.ts';
import { createFixtures, startTestServer, type Fixtures, type TestServer } from '../../helpers/server.ts';

interface ExportedSpan { traceId: string; spanId: string; parentSpanId?: string; name: string; kind: number; attributes: { key: string; value: Record<string, unknown> }[] }
interface ExportRequest { resourceSpans: { resource: { attributes: { key: string; value: { stringValue?: string } }[] }; scopeSpans: { spans: ExportedSpan[] }[] }[] }

const received: ExportRequest[] = [];
let collector: Server;
let tracing: Tracing;
let t: TestServer;
let f: Fixtures;

beforeAll(async () => {
  collector = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => {
      if (req.url === '/v1/traces' && req.headers['content-type']?.startsWith('application/json')) received.push(JSON.parse(body) as ExportRequest);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  }).listen(0, '127.0.0.1');
  await once(collector, 'listening');
  const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
  tracing = await startTracing(endpoint, createLogger('silent'), 'projects-api-under-test');
  t = await startTestServer({ tracing });
  f = await createFixtures(t);
});
afterAll(async () => {
  await t?.close();
  collector?.close();
});

const spans = () => received.flatMap((r) => r.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((s) => s.spans)));
const attribute = (span: ExportedSpan, key: string) => {
  const value = span.attributes.find((a) => a.key === key)?.value;
  return value && Object.values(value)[0];
};

describe('tracing', () => {
  it("sends a server span per request, continuing the caller's trace, with the database's spans beneath it", async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const callerSpanId = '00f067aa0ba902b7';
    const created = await t.api('POST', '/api/projects', {
      json: { project_clientid: f.client.id, project_categoryid: f.category.id, project_title: 'Traced', project_date_start: '2026-06-01' },
      headers: { traceparent: `00-${traceId}-${callerSpanId}-01` },
    });
    expect(created.status).toBe(201);
    await t.api('GET', `/api/projects/${created.body.data.id}`);
    await tracing.shutdown(); // flushes the batch to the collector

    const server = spans().find((s) => s.name === 'POST /api/projects');
    expect(server, JSON.stringify(spans().map((s) => s.name))).toBeDefined();
    expect(server!.kind).toBe(2); // SERVER
    expect(server!.traceId).toBe(traceId);
    expect(server!.parentSpanId).toBe(callerSpanId);
    expect(attribute(server!, 'http.response.status_code')).toBe(201);
    expect(attribute(server!, 'http.route')).toBe('/api/projects');

    // The database spans of this request are in its trace and descend from its server span: Prisma's
    // (its transaction), and one per statement, Prisma's on PGlite and the driver's on PostgreSQL
    // (server/platform/database/driver-statements.ts).
    const inTrace = spans().filter((s) => s.traceId === traceId);
    const byId = new Map(inTrace.map((s) => [s.spanId, s]));
    const database = inTrace.filter((s) => s.name.startsWith('prisma:') || s.name.startsWith('pg.query:'));
    const statementSpan = process.env.DATABASE_URL ? 'pg.query:INSERT' : 'prisma:client:operation';
    expect(database.map((s) => s.name)).toEqual(expect.arrayContaining(['prisma:client:transaction', 'prisma:client:db_query', statementSpan]));
    if (process.env.DATABASE_URL) {
      const outbox = database.find((s) => s.name === 'pg.query:INSERT' && String(attribute(s, 'db.query.text')).includes('"events"'));
      expect(outbox, 'the outbox insert has its span, with its text').toBeDefined();
      expect(attribute(outbox!, 'db.system.name')).toBe('postgresql');
    }
    for (const span of database) {
      let ancestor: ExportedSpan | undefined = span;
      while (ancestor && ancestor.spanId !== server!.spanId) ancestor = ancestor.parentSpanId ? byId.get(ancestor.parentSpanId) : undefined;
      expect(ancestor, `${span.name} is not under the request's span`).toBeDefined();
    }

    expect(spans().some((s) => s.name === 'GET /api/projects/:id' && s.traceId !== traceId)).toBe(true);
    const resource = received[0]!.resourceSpans[0]!.resource.attributes.find((a) => a.key === 'service.name');
    expect(resource?.value.stringValue).toBe('projects-api-under-test');
  });
});
