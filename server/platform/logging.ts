// Structured logs (pino) with a request id on every line of a request.
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * Lines are written to standard output in batches: once LOG_BATCH_BYTES are held, and at least every
 * LOG_FLUSH_MS, and all of them when the process exits (pino's exit handler). A write per request
 * line was a twentieth of a project read's CPU.
 */
const LOG_BATCH_BYTES = 4096;
const LOG_FLUSH_MS = 200;

export function createLogger(level: string, destination: DestinationStream = pino.destination({ dest: 1, sync: false, minLength: LOG_BATCH_BYTES, periodicFlush: LOG_FLUSH_MS })): Logger {
  return pino({ level, base: undefined, redact: ['req.headers.authorization'] }, destination);
}

/**
 * Writes the lines the logger still holds, synchronously. Lines go out asynchronously, and one written
 * while an earlier write is in flight waits for that write's callback on the event loop: a process
 * whose loop then blocks (a stuck shutdown, ended by the watchdog) would never write it.
 */
export function flushLogsSync(logger: Logger): void {
  const stream = (logger as unknown as Record<symbol, { flushSync?: () => void } | undefined>)[pino.symbols.streamSym];
  try {
    stream?.flushSync?.();
  } catch {
    // Not open yet, or closed: nothing is held.
  }
}

/** Query parameters that carry a credential, whatever their value looks like. */
const SECRET_PARAMETER = /^(api[-_]?key|key|token|access[-_]?token|auth|authorization|password|secret)$/i;
/** This server's API keys begin `gcp_` (api-keys.ts): one sent anywhere in a URL is still a key. */
const KEY_LIKE = /gcp_/i;
const REDACTED = '[REDACTED]';

function decoded(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/** The URL as a log may hold it: no value of a secret-named parameter, nothing that looks like a key. */
export function redactUrl(url: string): string {
  // Most URLs hold nothing to look at: no query, nothing percent-encoded, nothing like a key.
  if (!url.includes('?') && !url.includes('%') && !KEY_LIKE.test(url)) return url;
  const [path = '', ...rest] = url.split('?');
  const safePath = path.split('/').map((segment) => (KEY_LIKE.test(decoded(segment)) ? REDACTED : segment)).join('/');
  if (rest.length === 0) return safePath;
  const query = rest.join('?').split('&').map((pair) => {
    const [name = '', ...value] = pair.split('=');
    if (KEY_LIKE.test(decoded(name))) return REDACTED;
    const secret = SECRET_PARAMETER.test(decoded(name).replace(/\[.*$/, '')) || KEY_LIKE.test(decoded(value.join('=')));
    return secret && value.length > 0 ? `${name}=${REDACTED}` : pair;
  });
  return `${safePath}?${query.join('&')}`;
}

declare module 'express-serve-static-core' {
  interface Request { id: string }
}

const SAFE_REQUEST_ID = /^[A-Za-z0-9._-]{1,100}$/;

export function requestLogging(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const incoming = req.get('x-request-id');
    req.id = incoming && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader('X-Request-Id', req.id);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      logger.info({ reqId: req.id, method: req.method, url: redactUrl(req.originalUrl), status: res.statusCode, ms: Math.round(ms * 10) / 10 }, 'request');
    });
    next();
  };
}
