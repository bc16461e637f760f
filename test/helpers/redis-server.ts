// A real redis-server for the Redis suites: its own process on a free loopback port, no
// persistence, stopped by its PID. No mocks: the adapter is tested against what users run.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeLoopbackPort } from './free-port';
import { ServerProcess } from './server-process';

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
  private process: ServerProcess | undefined;
  /** What the stopped processes printed, and the running one's after it. */
  private earlierOutput = '';

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
    return this.process?.isRunning === true;
  }

  /** What the server printed, for a failing test's message. */
  get log(): string {
    return this.earlierOutput + (this.process?.output ?? '');
  }

  /** Stops it by its PID: SIGTERM (or SIGKILL, a crash), escalating to SIGKILL after a bound. */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    const server = this.process;
    this.process = undefined;
    if (!server) return;
    await server.stop(signal);
    this.earlierOutput += server.output;
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
    this.process = await ServerProcess.launch(command, argv, { port: this.port, request: 'PING\r\n', replyStart: '+PONG' }, installHint(command));
  }
}
