// A server (or `npm start`) as a child process, as tests start it: its output collected, its port
// and pid read from the `listening` log line.
import { spawn, type ChildProcess } from 'node:child_process';

export interface ServerProcess {
  child: ChildProcess;
  /** The port, once the server logs that it listens; rejects if the process exits first. */
  listening: Promise<number>;
  /** The pid of the process that runs the server (known once listening). */
  pid(): number;
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
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => { running.delete(child); resolve(code); }));
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
