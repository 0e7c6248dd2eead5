// A TCP proxy between the server and PostgreSQL that a test can break on purpose:
// - pause(): stop forwarding in both directions but keep every socket open, as a database process
//   stopped with SIGSTOP looks to its clients (connections accepted, nothing answered);
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
  resume(): void;
  drop(): void;
  refuse(): Promise<void>;
  listen(): Promise<void>;
  /** Connections currently open through the proxy. */
  connections(): number;
  close(): Promise<void>;
}

interface Pair { client: Socket; upstream: Socket }

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<Pair>();
  let paused = false;
  let port = 0;
  let server: Server | undefined;

  function applyPause(pair: Pair): void {
    // A paused socket is not read: what arrives stays in the kernel's buffers until resume(), as
    // with a stopped process whose sockets still accept data. (No pipe(): it resumes on 'drain'.)
    for (const socket of [pair.client, pair.upstream]) {
      if (paused) socket.pause();
      else socket.resume();
    }
  }

  function accept(client: Socket): void {
    const upstream = connect(target.port, target.host);
    const pair = { client, upstream };
    pairs.add(pair);
    client.on('data', (chunk) => upstream.write(chunk)).on('end', () => upstream.end());
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
    pause() { paused = true; pairs.forEach(applyPause); },
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
