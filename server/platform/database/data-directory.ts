// Exclusive ownership of the embedded database's directory.
//
// PGlite runs PostgreSQL inside one process, without a postmaster to arbitrate: two processes that
// open the same directory each believe they own it, and their writes destroy each other's. So one
// process at a time owns a directory. The owner listens on a local control channel named after the
// directory; holding that channel is the lock, and the kernel releases it however the owner dies, so
// no stale lock file can block a restart. Through the channel the owner says who it is, and, when it
// is the server, runs other processes' administrative commands on the database it already has open.
//
// Written by hand: lock-file libraries (proper-lockfile and the like) judge staleness by timestamps
// and cannot carry the commands, which is the point here.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, realpathSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface OwnerIdentity {
  pid: number;
  /** What the owner is: `server`, or the command it runs (`keys create`, `db:seed`, …). */
  role: string;
  startedAt: string;
  /** Only a running server takes other processes' commands; a command-line owner ends soon. */
  acceptsCommands: boolean;
}

export interface AdminRequest { command: string; args: string[] }
export interface AdminResult { exitCode: number; stdout: string; stderr: string }
export type AdminHandler = (request: AdminRequest) => Promise<AdminResult>;

export interface DataDirectoryClaim {
  directory: string;
  /** Runs other processes' commands from now on (the server calls this once it is ready). */
  acceptCommands(handler: AdminHandler): void;
  release(): Promise<void>;
}

export class DataDirectoryInUse extends Error {
  readonly directory: string;
  readonly owner: OwnerIdentity;
  constructor(directory: string, owner: OwnerIdentity) {
    super(`The embedded database ${directory} is in use by process ${owner.pid} (${owner.role}, since ${owner.startedAt}).`);
    this.directory = directory;
    this.owner = owner;
  }
}

/** The token proves a client may read the directory, i.e. may open the database itself. */
const TOKEN_FILE = '.control-token';
const MAX_LINE_BYTES = 64 * 1024;

/**
 * Linux: an abstract socket (no file, gone with its process). Windows: a named pipe. Elsewhere a
 * socket file in the temporary directory, whose name stays short of the 104-byte path limit.
 */
function controlAddress(directory: string): string {
  const id = createHash('sha256').update(directory).digest('hex').slice(0, 32);
  if (process.platform === 'linux') return `\0growcrm-projects-${id}`;
  if (process.platform === 'win32') return `\\\\.\\pipe\\growcrm-projects-${id}`;
  return join(tmpdir(), `growcrm-projects-${id.slice(0, 16)}.sock`);
}

/** Reads newline-delimited JSON messages from a socket, one at a time. */
function messageReader(socket: net.Socket) {
  let buffered = '';
  const queue: unknown[] = [];
  const waiting: { resolve(value: unknown): void; reject(error: Error): void }[] = [];
  let failure: Error | undefined;
  const fail = (error: Error) => {
    failure ??= error;
    for (const w of waiting.splice(0)) w.reject(failure);
  };
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    if (buffered.length > MAX_LINE_BYTES) { fail(new Error('control message too long')); socket.destroy(); return; }
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      let message: unknown;
      try { message = JSON.parse(line); } catch { fail(new Error('malformed control message')); socket.destroy(); return; }
      const next = waiting.shift();
      if (next) next.resolve(message); else queue.push(message);
    }
  });
  socket.on('error', fail);
  socket.on('close', () => fail(new Error('the control channel closed')));
  return (): Promise<unknown> => {
    if (queue.length > 0) return Promise.resolve(queue.shift());
    if (failure) return Promise.reject(failure);
    return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
  };
}

function send(socket: net.Socket, message: unknown): void {
  socket.write(`${JSON.stringify(message)}\n`);
}

function listen(server: net.Server, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(address, () => { server.off('error', reject); resolve(); });
  });
}

/** Connects to the owner of `address` and reads its greeting; undefined when nobody answers. */
async function greet(address: string): Promise<{ socket: net.Socket; read: () => Promise<unknown>; owner: OwnerIdentity } | undefined> {
  const socket = net.connect(address);
  const read = messageReader(socket);
  try {
    const hello = (await read()) as { owner?: OwnerIdentity };
    if (!hello.owner) throw new Error('unexpected greeting');
    return { socket, read, owner: hello.owner };
  } catch {
    socket.destroy();
    return undefined;
  }
}

function canonical(directory: string): string {
  mkdirSync(directory, { recursive: true });
  return realpathSync(directory);
}

/**
 * Makes this process the owner of `directory`, or throws DataDirectoryInUse naming the owner.
 * `role` is how other processes will see this one.
 */
export async function claimDataDirectory(directory: string, role: string): Promise<DataDirectoryClaim> {
  const path = canonical(directory);
  const address = controlAddress(path);
  const identity: OwnerIdentity = { pid: process.pid, role, startedAt: new Date().toISOString(), acceptsCommands: false };
  const token = randomBytes(32);
  let handler: AdminHandler | undefined;

  const server = net.createServer((socket) => {
    const read = messageReader(socket);
    send(socket, { owner: identity });
    read().then(async (message) => {
      const { token: offered, request } = (message ?? {}) as { token?: string; request?: AdminRequest };
      const offeredBytes = Buffer.from(typeof offered === 'string' ? offered : '', 'hex');
      if (offeredBytes.length !== token.length || !timingSafeEqual(offeredBytes, token)) {
        send(socket, { refused: 'The control token does not match.' });
      } else if (!handler || !request || typeof request.command !== 'string' || !Array.isArray(request.args)) {
        send(socket, { refused: 'This process does not take commands.' });
      } else {
        send(socket, { result: await handler({ command: request.command, args: request.args.map(String) }) });
      }
      socket.end();
    }).catch(() => socket.destroy());
  });
  // The channel must not keep a command-line process alive once its work is done.
  server.unref();

  for (let attempt = 0; ; attempt++) {
    try {
      await listen(server, address);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 5) throw error;
      const other = await greet(address);
      if (other) {
        other.socket.destroy();
        throw new DataDirectoryInUse(path, other.owner);
      }
      // Nobody answers: a socket file left by a process that died (not on Linux or Windows, where
      // the address vanishes with its process), or an owner exiting right now.
      if (!address.startsWith('\0') && !address.startsWith('\\\\')) {
        try { unlinkSync(address); } catch { /* already gone */ }
      }
      await new Promise((resolve) => setTimeout(resolve, 50 * (attempt + 1)));
    }
  }
  writeFileSync(join(path, TOKEN_FILE), token.toString('hex'), { mode: 0o600 });

  return {
    directory: path,
    acceptCommands(commandHandler) {
      handler = commandHandler;
      identity.acceptsCommands = true;
    },
    async release() {
      handler = undefined;
      rmSync(join(path, TOKEN_FILE), { force: true });
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Runs `request` in the process that owns `directory`: its result, or undefined when nobody owns
 * the directory (any more). Throws DataDirectoryInUse when the owner takes no commands.
 */
export async function sendAdminRequest(directory: string, request: AdminRequest): Promise<AdminResult | undefined> {
  const path = canonical(directory);
  const other = await greet(controlAddress(path));
  if (!other) return undefined;
  try {
    if (!other.owner.acceptsCommands) throw new DataDirectoryInUse(path, other.owner);
    let token: string;
    try {
      token = readFileSync(join(path, TOKEN_FILE), 'utf8').trim();
    } catch {
      throw new Error(`Process ${other.owner.pid} owns ${path}, but this user cannot read its control token.`);
    }
    send(other.socket, { token, request });
    const answer = (await other.read()) as { result?: AdminResult; refused?: string };
    if (!answer.result) throw new Error(`Process ${other.owner.pid} refused the command: ${answer.refused ?? 'no answer'}`);
    return answer.result;
  } finally {
    other.socket.destroy();
  }
}
