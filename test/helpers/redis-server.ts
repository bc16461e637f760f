// A real redis-server for the Redis suites: its own process on a free loopback port, no
// persistence, stopped by its PID. No mocks: the adapter is tested against what users run.
import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeLoopbackPort } from './free-port';

const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5000;
const installHint = (command: string): string =>
  `${command} was not found: run \`bash test/setup/ensure-system-deps.sh\` (it runs \`apt-get install -y ${command}\`)`;

/** How to run one server of a Cluster or a Sentinel set (test/helpers/redis-cluster.ts, redis-sentinel.ts). */
export interface RedisServerOptions {
  /** Default: a free one. */
  port?: number;
  /** Arguments after the defaults: cluster mode, `--replicaof`, … */
  args?: readonly string[];
  /** Runs `redis-sentinel` on this configuration, written to the server's directory (Sentinel rewrites it). */
  sentinelConfig?: string;
}

export class RedisServer {
  private process: ChildProcess | undefined;
  private output = '';

  private constructor(
    readonly port: number,
    /** The server's working directory (its cluster or sentinel configuration lives there). */
    readonly dir: string,
    private readonly options: RedisServerOptions,
  ) {}

  /** Starts redis-server on a free port of 127.0.0.1 and resolves once it answers PING. */
  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    const server = new RedisServer(options.port ?? (await freeLoopbackPort()), mkdtempSync(join(tmpdir(), 'redis-e2e-')), options);
    await server.launch();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.process?.pid;
  }

  /** `host:port`, as Redis Cluster names its nodes. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  get isRunning(): boolean {
    return this.process !== undefined && this.process.exitCode === null && this.process.signalCode === null;
  }

  /** What the server printed, for a failing test's message. */
  get log(): string {
    return this.output;
  }

  /** Stops it by its PID: SIGTERM (or SIGKILL, a crash), escalating to SIGKILL after a bound. */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    const child = this.process;
    this.process = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    try {
      await exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Starts again on the same port (after stop()): an empty Redis, as after a restart without persistence. */
  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }

  /** Stops the server and removes its working directory. */
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async launch(): Promise<void> {
    const common = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--loglevel', 'warning'];
    const { sentinelConfig, args = [] } = this.options;
    let command = 'redis-server';
    let argv = [...common, '--save', '', '--appendonly', 'no', ...args];
    if (sentinelConfig !== undefined) {
      const configFile = join(this.dir, 'sentinel.conf');
      writeFileSync(configFile, sentinelConfig);
      command = 'redis-sentinel';
      argv = [configFile, ...common, ...args];
    }
    const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.process = child;
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString('utf8')));
    const failed = new Promise<never>((_resolve, reject) => {
      child.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'ENOENT' ? new Error(installHint(command)) : error));
      child.once('exit', (code) => reject(new Error(`${command} exited with ${code} before answering PING:\n${this.output}`)));
    });
    failed.catch(() => undefined); // observed below; after a successful start an exit is no failure
    await Promise.race([this.waitForPong(), failed]);
  }

  private async waitForPong(): Promise<void> {
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (!(await ping(this.port))) {
      if (Date.now() > deadline) throw new Error(`${this.options.sentinelConfig === undefined ? 'redis-server' : 'redis-sentinel'} did not answer PING on port ${this.port} within ${START_TIMEOUT_MS} ms:\n${this.output}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/** One PING over a raw socket: true on +PONG. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    const done = (isPong: boolean): void => {
      socket.destroy();
      resolve(isPong);
    };
    socket.setTimeout(500, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

