// Requests that Node's HTTP parser refuses before Express sees them (a URL or headers over the size
// limit, malformed HTTP, an `Expect` other than 100-continue) are answered in the API's error format:
// Node's own answers carry an empty body.
import type { Server } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { CHUNK_EXTENSIONS_TOO_LARGE_MESSAGE, HEADERS_TOO_LARGE_MESSAGE, NOT_HTTP_MESSAGE, REQUEST_TIMEOUT_MESSAGE, UNMET_EXPECTATION_MESSAGE } from '../core/messages.ts';

/** Node's parser error codes → our answer; anything else it refuses is malformed HTTP. */
const refusals: Record<string, { status: number; message: string }> = {
  HPE_HEADER_OVERFLOW: { status: 431, message: HEADERS_TOO_LARGE_MESSAGE },
  HPE_CHUNK_EXTENSIONS_OVERFLOW: { status: 413, message: CHUNK_EXTENSIONS_TOO_LARGE_MESSAGE },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, message: REQUEST_TIMEOUT_MESSAGE },
};
const malformed = { status: 400, message: NOT_HTTP_MESSAGE };
/** How long a refused client may go on sending before its connection is closed. */
const CLOSE_AFTER_MS = 1000;

const headers = (body: string) => ({
  'Content-Type': 'application/json; charset=utf-8',
  'Content-Length': String(Buffer.byteLength(body)),
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  Connection: 'close',
});

function rawResponse(status: number, message: string): string {
  const body = JSON.stringify({ message });
  const lines = Object.entries(headers(body)).map(([name, value]) => `${name}: ${value}`);
  return [`HTTP/1.1 ${status} ${STATUS_CODES[status]}`, ...lines, '', body].join('\r\n');
}

/** Node's socket owns the response in flight, if any: an answer must not be written into its middle. */
function responseStarted(socket: Duplex): boolean {
  return (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true;
}

export function attachProtocolErrorHandlers(server: Server, logger: Logger): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    // The client is gone, or this socket's answer is already on its way.
    if (error.code === 'ECONNRESET' || !socket.writable) return;
    if (responseStarted(socket)) {
      socket.destroy();
      return;
    }
    const { status, message } = refusals[error.code ?? ''] ?? malformed;
    logger.info({ status, code: error.code }, 'request refused by the HTTP parser');
    socket.end(rawResponse(status, message));
    // Ending lets the answer reach a client that is still sending; one that never stops is cut off.
    setTimeout(() => socket.destroy(), CLOSE_AFTER_MS).unref();
  });
  server.on('checkExpectation', (req, res) => {
    logger.info({ status: 417, expect: req.headers.expect }, 'request refused: unsupported Expect header');
    const body = JSON.stringify({ message: UNMET_EXPECTATION_MESSAGE });
    res.writeHead(417, headers(body)).end(body);
  });
}
