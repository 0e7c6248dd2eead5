// Structured logs (pino) with a request id on every line of a request.
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { pino, type Logger } from 'pino';

/** `fd` 2 for commands, whose standard output is their answer (a new key, a listing). */
export function createLogger(level: string, fd: 1 | 2 = 1): Logger {
  return pino({ level, base: undefined, redact: ['req.headers.authorization'] }, pino.destination({ fd, sync: fd === 2 }));
}

declare module 'express-serve-static-core' {
  interface Request { log: Logger; id: string }
}

const SAFE_REQUEST_ID = /^[A-Za-z0-9._-]{1,100}$/;

export function requestLogging(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const incoming = req.get('x-request-id');
    req.id = incoming && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    req.log = logger.child({ reqId: req.id });
    res.setHeader('X-Request-Id', req.id);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      req.log.info({ method: req.method, url: req.originalUrl, status: res.statusCode, ms: Math.round(ms * 10) / 10 }, 'request');
    });
    next();
  };
}
