// A TCP proxy between the server and PostgreSQL that a test can break on purpose:
// - pause(): stop forwarding in both directions but keep every socket open, as a database process
//   stopped with SIGSTOP looks to its clients (connections accepted, what they send taken, nothing
//   answered); sentWhilePaused() shows what the clients sent meanwhile;
// - resume(): forward again, including what was held back meanwhile;
// - drop(): destroy every open connection (a database crash or restart);
// - refuse(): close the listener, so new connections are refused (a database that is down);
//   listen() opens it again on the same port.
import { createServer, connect, type Server, type Socket } from 'node:net';
import { once } from 'node:events';

export interface TcpProxy {
  port: number;
  /** `postgresql://…` of the target with its host and port replaced by the proxy's. */
  url(targetUrl: string): string;
  pause(): void;
  /** Everything the clients sent since the last pause() that has not been forwarded (yet). */
  sentWhilePaused(): Buffer;
  resume(): void;
  drop(): void;
  refuse(): Promise<void>;
  listen(): Promise<void>;
  /** Connections currently open through the proxy. */
  connections(): number;
  close(): Promise<void>;
}

interface Pair { client: Socket; upstream: Socket; held: Buffer[]; ended: boolean }

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<Pair>();
  let paused = false;
  let port = 0;
  let server: Server | undefined;
  let sentWhilePaused: Buffer[] = [];

  function applyPause(pair: Pair): void {
    // The target's side is not read while paused: its answers stay in the kernel's buffers until
    // resume(). The clients' side is read and held here, as a stopped process's sockets still take
    // data into their buffers. (No pipe(): it resumes on 'drain'.)
    if (paused) pair.upstream.pause();
    else {
      for (const chunk of pair.held.splice(0)) pair.upstream.write(chunk);
      if (pair.ended) pair.upstream.end();
      pair.upstream.resume();
    }
  }

  function accept(client: Socket): void {
    const upstream = connect(target.port, target.host);
    const pair: Pair = { client, upstream, held: [], ended: false };
    pairs.add(pair);
    client.on('data', (chunk: Buffer) => {
      if (!paused) upstream.write(chunk);
      else {
        pair.held.push(chunk);
        sentWhilePaused.push(chunk);
      }
    }).on('end', () => {
      pair.ended = true;
      if (!paused) upstream.end();
    });
    upstream.on('data', (chunk) => client.write(chunk)).on('end', () => client.end());
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    applyPause(pair);
  }

  async function listen(): Promise<void> {
    if (server?.listening) return;
    server = createServer(accept);
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as { port: number }).port;
  }

  /** Stops listening at once; the connections already open stay as they are. */
  async function refuse(): Promise<void> {
    if (server?.listening) server.close();
  }

  function drop(): void {
    for (const { client, upstream } of pairs) { client.destroy(); upstream.destroy(); }
    pairs.clear();
  }

  await listen();
  return {
    get port() { return port; },
    url(targetUrl) {
      const url = new URL(targetUrl);
      url.hostname = '127.0.0.1';
      url.port = String(port);
      return url.toString();
    },
    pause() {
      paused = true;
      sentWhilePaused = [];
      pairs.forEach(applyPause);
    },
    sentWhilePaused: () => Buffer.concat(sentWhilePaused),
    resume() { paused = false; pairs.forEach(applyPause); },
    drop,
    refuse,
    listen,
    connections: () => pairs.size,
    async close() {
      drop();
      await refuse();
    },
  };
}
