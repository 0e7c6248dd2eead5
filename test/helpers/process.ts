// A server (or `npm start`) as a child process, as tests start it: its output collected, its port
// and pid read from the `listening` log line.
import { spawn, type ChildProcess } from 'node:child_process';

export { migratedDataDir } from './database-template.ts';

export interface ServerProcess {
  child: ChildProcess;
  /** The port, once the server logs that it listens; rejects if the process exits first. */
  listening: Promise<number>;
  /** The pid of the process that runs the server (known once listening). */
  pid(): number;
  /** The exit code, once the process has ended and all of its output has been read. */
  exited: Promise<number | null>;
  output(): string;
}

const running = new Set<ChildProcess>();

/** Kills every server process a test left running (for afterEach/afterAll). */
export function killServerProcesses(): void {
  for (const child of running) child.kill('SIGKILL');
}

/** `command` defaults to the server run from its sources in this one process (no tsx CLI child). */
export function spawnServer(env: NodeJS.ProcessEnv, command: string[] = [process.execPath, '--import', 'tsx', 'server/main.ts']): ServerProcess {
  const child = spawn(command[0]!, command.slice(1), { env: { PORT: '0', LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let output = '';
  let pid = 0;
  // 'close', not 'exit': 'exit' can come before the last output is read from the pipes, and tests
  // read the output once the process has ended.
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => { running.delete(child); resolve(code); }));
  const listening = new Promise<number>((resolve, reject) => {
    const read = (chunk: Buffer) => {
      output += chunk;
      const match = /"port":(\d+)[^\n]*"pid":(\d+)[^\n]*"msg":"listening/.exec(output);
      if (match) { pid = Number(match[2]); resolve(Number(match[1])); }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    void exited.then((code) => reject(new Error(`the server exited (${code}) before listening:\n${output}`)));
  });
  listening.catch(() => {});
  return { child, listening, pid: () => pid, exited, output: () => output };
}
