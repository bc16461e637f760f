import { ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { READY_PREFIX } from './wire';

/** A server process started by the driver, on the port it reported. */
export interface ServerProcess {
  child: ChildProcess;
  port: number;
}

/** Every child the driver started: each is killed by its PID when its turn ends, on exit and on Ctrl-C. */
const children = new Set<ChildProcess>();

/** Starts `node <script> ...args` and waits for its ready line, at most `timeoutMs`. */
export function startServer(script: string, args: readonly string[], env: Record<string, string>, timeoutMs: number): Promise<ServerProcess> {
  const child = spawn(process.execPath, [script, ...args], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'inherit'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} was not ready after ${timeoutMs} ms`)), timeoutMs);
    child.once('exit', (code, signal) => reject(new Error(`${script} exited (${signal ?? code}) before it was ready`)));
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (!line.startsWith(READY_PREFIX)) return void process.stdout.write(`${line}\n`);
      clearTimeout(timer);
      resolve({ child, port: Number(line.slice(READY_PREFIX.length)) });
    });
  });
}

/** SIGTERM by PID, then SIGKILL if it has not exited within `graceMs`. */
export async function stopServer({ child }: ServerProcess, graceMs = 2_000): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(child.pid, 'SIGTERM');
  const timer = setTimeout(() => killByPid(child), graceMs);
  await exited;
  clearTimeout(timer);
}

export function killAll(): void {
  for (const child of children) killByPid(child);
  children.clear();
}

function killByPid(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(child.pid, 'SIGKILL');
  } catch {
    // it exited in between
  }
}

/** The driver's exit, an uncaught error, Ctrl-C or the watchdog take every child down with it. */
export function killChildrenOnExit(): void {
  process.once('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killAll();
      process.stderr.write(`\nbench:transports: ${signal}, every server killed\n`);
      process.exit(130);
    });
  }
}
