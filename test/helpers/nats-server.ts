// A real nats-server for the NATS suites: its own process on a free loopback port, stopped by its
// PID. No mocks: the adapter is tested against what users run (Debian's nats-server).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeLoopbackPort } from './free-port';
import { ServerProcess } from './server-process';

const BINARY = process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server';
const INSTALL_HINT = `nats-server was not found at ${BINARY}: run \`bash test/setup/ensure-system-deps.sh\` (it runs \`apt-get install -y nats-server\`)`;

export interface NatsServerOptions {
  /** The server's max_payload (default 1 MiB): larger messages are refused to the publisher. */
  maxPayloadBytes?: number;
  /** A loopback port of the test's choosing (one that clients already try); default a free one. */
  port?: number;
}

export class NatsServer {
  private process: ServerProcess | undefined;

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
    const server = this.process;
    this.process = undefined;
    await server?.stop(signal);
  }

  /** SIGSTOP or SIGCONT: a server that stalls with its connections open, as one swapping or frozen does. */
  freeze(isFrozen: boolean): void {
    this.process?.freeze(isFrozen);
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
    const args = ['--config', this.config, '--addr', '127.0.0.1', '--port', String(this.port)];
    this.process = await ServerProcess.launch(BINARY, args, { port: this.port, replyStart: 'INFO ' }, INSTALL_HINT);
  }
}
