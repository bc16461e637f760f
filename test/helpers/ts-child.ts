// Starts a TypeScript entry point of this repository in a child Node process with an IPC channel,
// through bash so that its soft descriptor limit can be raised to the hard one first: a process
// that holds 10,000 sockets needs more than the usual 1,024.
import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const REGISTER = join(ROOT, 'test', 'helpers', 'swc-register.cjs');
const KILL_WAIT_MS = 10_000;

export interface TsChild<In, Out extends { type: string }> {
  pid: number;
  process: ChildProcess;
  send(message: In): void;
  /** The next message of this type; rejects when the process exits or the wait runs out first. */
  next<T extends Out['type']>(type: T, waitMs: number): Promise<Extract<Out, { type: T }>>;
  /** Resolves once the process has exited. */
  exited: Promise<unknown>;
  /** SIGKILL by PID, then waits for the exit. */
  kill(): Promise<void>;
}

const shellQuote = (word: string): string => `'${word.replace(/'/g, `'\\''`)}'`;

export function spawnTsChild<In, Out extends { type: string }>(entry: string, args: readonly string[], nodeFlags: readonly string[] = []): TsChild<In, Out> {
  const command = ['node', ...nodeFlags, '-r', REGISTER, join(ROOT, entry), ...args].map(shellQuote).join(' ');
  // `exec` replaces bash with node, so the PID we hold is node's and the IPC descriptor is inherited.
  const script = `ulimit -n 65535 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec ${command}`;
  const child = spawn('bash', ['-c', script], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${entry} did not start`);
  const exited = once(child, 'exit');
  const hasExited = (): boolean => child.exitCode !== null || child.signalCode !== null;

  const next = <T extends Out['type']>(type: T, waitMs: number): Promise<Extract<Out, { type: T }>> =>
    new Promise((resolve, reject) => {
      if (hasExited()) return reject(new Error(`${entry} has exited (code ${child.exitCode}, signal ${child.signalCode})`));
      const timer = setTimeout(() => finish(new Error(`${entry} sent no '${type}' within ${waitMs} ms`)), waitMs);
      const onMessage = (message: Out): void => {
        if (message.type === type) finish(message as Extract<Out, { type: T }>);
      };
      const onExit = (code: number | null, signal: string | null): void => finish(new Error(`${entry} exited (code ${code}, signal ${signal})`));
      const finish = (outcome: Error | Extract<Out, { type: T }>): void => {
        clearTimeout(timer);
        child.off('message', onMessage).off('exit', onExit);
        if (outcome instanceof Error) reject(outcome);
        else resolve(outcome);
      };
      child.on('message', onMessage).on('exit', onExit);
    });

  return {
    pid,
    process: child,
    send: (message) => {
      if (!hasExited() && child.connected) child.send(message as object);
    },
    next,
    exited,
    async kill() {
      if (hasExited()) return;
      process.kill(pid, 'SIGKILL');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, KILL_WAIT_MS).unref())]);
    },
  };
}
