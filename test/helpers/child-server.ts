// Runs test/fixtures/deflate-server.ts in a child Node process (with --expose-gc) and talks to it
// over IPC: its port, its memory after a full GC, and a clean stop. The test process's own
// allocations never show up in the server's figures.
import { ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import type { ChildMessage, MemoryReport } from '../fixtures/deflate-server';

const ROOT = join(__dirname, '..', '..');
const SERVER = join(ROOT, 'test', 'fixtures', 'deflate-server.ts');
const REGISTER = join(ROOT, 'test', 'helpers', 'swc-register.cjs');
/** Starting Nest in a fresh process compiles the sources first: allow for a slow machine. */
const START_WAIT_MS = 30_000;
const REPLY_WAIT_MS = 10_000;

export interface ChildServer {
  port: number;
  pid: number;
  wsUrl(path: string): string;
  /** The child's memory after two full GCs; `resetPeak` starts a new peak measurement after it. */
  memory(options?: { resetPeak?: boolean }): Promise<MemoryReport>;
  /** Closes the app (close handshakes included), then makes sure the process is gone. */
  stop(): Promise<void>;
}

const nextMessage = <T extends ChildMessage['type']>(child: ChildProcess, type: T, waitMs: number): Promise<Extract<ChildMessage, { type: T }>> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`the server process sent no '${type}' within ${waitMs} ms`)), waitMs);
    const onMessage = (message: ChildMessage): void => {
      if (message.type === type) finish(message as Extract<ChildMessage, { type: T }>);
    };
    const onExit = (code: number | null, signal: string | null): void => finish(new Error(`the server process exited (code ${code}, signal ${signal})`));
    const finish = (outcome: Error | Extract<ChildMessage, { type: T }>): void => {
      clearTimeout(timer);
      child.off('message', onMessage).off('exit', onExit);
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    child.on('message', onMessage).on('exit', onExit);
  });

export async function startChildServer(): Promise<ChildServer> {
  const child = fork(SERVER, [], {
    cwd: ROOT,
    execArgv: ['--expose-gc', '-r', REGISTER],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('the server process did not start');
  const exited = once(child, 'exit');
  const kill = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    process.kill(pid, 'SIGKILL');
    await exited;
  };
  let port: number;
  try {
    ({ port } = await nextMessage(child, 'listening', START_WAIT_MS));
  } catch (error) {
    await kill();
    throw error;
  }
  return {
    port,
    pid,
    wsUrl: (path) => `ws://127.0.0.1:${port}${path}`,
    async memory({ resetPeak = false } = {}) {
      const reply = nextMessage(child, 'memory', REPLY_WAIT_MS);
      child.send({ type: 'memory', resetPeak });
      return reply;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const timer = setTimeout(() => void kill(), REPLY_WAIT_MS);
      child.send({ type: 'close' });
      await exited;
      clearTimeout(timer);
    },
  };
}
