// One server process of a test (redis-server, redis-sentinel, nats-server): spawned on a loopback
// port, ready once a raw connection gets its greeting, stopped by its PID. The shared part of
// test/helpers/redis-server.ts and nats-server.ts.
import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createConnection } from 'node:net';

const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5000;
const POLL_MS = 20;
const PROBE_TIMEOUT_MS = 500;

/** How to tell that the server serves: what to write on a fresh connection, and how its first line starts. */
/** Stops a child we started, by its PID: `signal`, then SIGKILL if it has not exited within `timeoutMs`. */
export async function stopChild(child: ChildProcess, signal: 'SIGTERM' | 'SIGKILL', timeoutMs: number): Promise<void> {
  const exited = once(child, 'exit');
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}

export interface ReadyProbe {
  port: number;
  /** Written once connected (e.g. `PING\r\n`); nothing when the server speaks first (NATS's INFO). */
  request?: string;
  replyStart: string;
}

export class ServerProcess {
  /** Everything it printed, for a failing test's message. */
  output = '';

  private constructor(
    readonly command: string,
    private readonly child: ChildProcess,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString('utf8')));
  }

  /** Spawns `command` and resolves once `probe` is answered; rejects naming `installHint` when the binary is missing. */
  static async launch(command: string, args: readonly string[], probe: ReadyProbe, installHint: string): Promise<ServerProcess> {
    const server = new ServerProcess(command, spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
    const failed = new Promise<never>((_resolve, reject) => {
      server.child.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'ENOENT' ? new Error(installHint) : error));
      server.child.once('exit', (code) => reject(new Error(`${command} exited with ${code} before it served:\n${server.output}`)));
    });
    failed.catch(() => undefined); // observed below; after a successful start an exit is no failure
    try {
      await Promise.race([server.waitUntilReady(probe), failed]);
    } catch (error) {
      await server.stop('SIGKILL');
      throw error;
    }
    return server;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get isRunning(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Stops it by its PID: SIGTERM (or SIGKILL, a crash), escalating to SIGKILL after a bound. */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    if (this.isRunning) await stopChild(this.child, signal, STOP_TIMEOUT_MS);
  }

  /** SIGSTOP or SIGCONT: a server that stalls with its connections open, as one swapping or frozen does. */
  freeze(isFrozen: boolean): void {
    this.child.kill(isFrozen ? 'SIGSTOP' : 'SIGCONT');
  }

  private async waitUntilReady(probe: ReadyProbe): Promise<void> {
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (!(await answers(probe))) {
      if (Date.now() > deadline) throw new Error(`${this.command} did not answer on port ${probe.port} within ${START_TIMEOUT_MS} ms:\n${this.output}`);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }
}

/** True when a raw connection's first line starts as the probe expects. */
function answers({ port, request, replyStart }: ReadyProbe): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    const done = (isReady: boolean): void => {
      socket.destroy();
      resolve(isReady);
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, () => done(false));
    socket.on('error', () => done(false));
    if (request !== undefined) socket.on('connect', () => socket.write(request));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith(replyStart));
    });
  });
}
