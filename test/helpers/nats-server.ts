// A real nats-server for the NATS suites: its own process on a free loopback port, stopped by its
// PID. No mocks: the adapter is tested against what users run (Debian's nats-server).
import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeLoopbackPort } from './free-port';

const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5000;
const BINARY = process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server';
const INSTALL_HINT = `nats-server was not found at ${BINARY}: run \`bash test/setup/ensure-system-deps.sh\` (it runs \`apt-get install -y nats-server\`)`;

export interface NatsServerOptions {
  /** The server's max_payload (default 1 MiB): larger messages are refused to the publisher. */
  maxPayloadBytes?: number;
  /** A loopback port of the test's choosing (one that clients already try); default a free one. */
  port?: number;
}

export class NatsServer {
  private process: ChildProcess | undefined;
  private output = '';

  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  /** Starts nats-server on a free port of 127.0.0.1 and resolves once it greets a client with INFO. */
  static async start(options: NatsServerOptions = {}): Promise<NatsServer> {
    const server = new NatsServer(options.port ?? (await freeLoopbackPort()), mkdtempSync(join(tmpdir(), 'nats-e2e-')));
    writeFileSync(server.config, options.maxPayloadBytes === undefined ? '' : `max_payload: ${options.maxPayloadBytes}\n`);
    await server.launch();
    return server;
  }

  private get config(): string {
    return join(this.dir, 'nats.conf');
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.process?.pid;
  }

  /** Stops it by its PID: SIGTERM, or SIGKILL (a crash), escalating to SIGKILL after a bound. */
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

  /** SIGSTOP or SIGCONT: a server that stalls with its connections open, as one swapping or frozen does. */
  freeze(isFrozen: boolean): void {
    this.process?.kill(isFrozen ? 'SIGSTOP' : 'SIGCONT');
  }

  /** Starts again on the same port (after stop()): a fresh server that knows no subscription. */
  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }

  /** Stops the server and removes its configuration. */
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async launch(): Promise<void> {
    const child = spawn(BINARY, ['--config', this.config, '--addr', '127.0.0.1', '--port', String(this.port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.process = child;
    child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString('utf8')));
    const failed = new Promise<never>((_resolve, reject) => {
      child.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'ENOENT' ? new Error(INSTALL_HINT) : error));
      child.once('exit', (code) => reject(new Error(`nats-server exited with ${code} before it served:\n${this.output}`)));
    });
    failed.catch(() => undefined); // observed below; after a successful start an exit is no failure
    await Promise.race([this.waitForInfo(), failed]);
  }

  private async waitForInfo(): Promise<void> {
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (!(await greets(this.port))) {
      if (Date.now() > deadline) throw new Error(`nats-server did not greet on port ${this.port} within ${START_TIMEOUT_MS} ms:\n${this.output}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/** True when a raw connection gets the server's INFO line. */
function greets(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    const done = (isInfo: boolean): void => {
      socket.destroy();
      resolve(isInfo);
    };
    socket.setTimeout(500, () => done(false));
    socket.on('error', () => done(false));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('INFO '));
    });
  });
}
