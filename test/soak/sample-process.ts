// The sample app (`npm run build:sample` output) as a child process on a free loopback port, with
// the V8 inspector on another loopback port (heap-probe.ts forces GCs through it): its RSS from
// /proc, its /stats, and a graceful stop (SIGTERM; the sample enables shutdown hooks).
import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { openSync, readFileSync } from 'node:fs';
import { AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';

const START_WAIT_MS = 30_000;
const STOP_WAIT_MS = 30_000;

export interface SampleStats {
  connections: number;
  rooms: number;
}

export class SampleProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    readonly logPath: string,
  ) {}

  static async start(root: string, logPath: string): Promise<SampleProcess> {
    const main = join(root, 'dist', 'sample', 'src', 'main.js');
    const port = await freePort();
    const log = openSync(logPath, 'w');
    // Inherits this process's descriptor limit, raised before the soak started.
    const child = spawn(process.execPath, ['--inspect=127.0.0.1:0', main], { cwd: root, env: { ...process.env, PORT: String(port) }, stdio: ['ignore', log, log] });
    const sample = new SampleProcess(child, port, logPath);
    const deadline = Date.now() + START_WAIT_MS;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the sample exited with code ${child.exitCode}; see ${logPath}`);
      try {
        await sample.stats();
        return sample;
      } catch (error) {
        if (Date.now() > deadline) {
          child.kill('SIGKILL');
          throw new Error(`the sample did not answer /stats within ${START_WAIT_MS} ms: ${(error as Error).message}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }

  get pid(): number {
    return this.child.pid as number;
  }

  get hasExited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /** Resident set size now, from /proc (no GC is forced: this is the sample as it runs). */
  rssBytes(): number {
    const kib = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'))?.[1];
    return Number(kib) * 1024;
  }

  async stats(): Promise<SampleStats> {
    const response = await fetch(`http://127.0.0.1:${this.port}/stats`, { signal: AbortSignal.timeout(5000) });
    if (!response.ok) throw new Error(`/stats answered ${response.status}`);
    const body = (await response.json()) as SampleStats;
    return { connections: body.connections, rooms: body.rooms };
  }

  /**
   * SIGTERM and wait for the exit; SIGKILL if it takes too long. True when the app shut down
   * gracefully: Nest's shutdown hooks close the app, then re-raise the SIGTERM (or exit with 0).
   */
  async stop(): Promise<boolean> {
    if (this.hasExited) return false;
    const exited = once(this.child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_WAIT_MS);
    const [code, signal] = await exited;
    clearTimeout(timer);
    return code === 0 || signal === 'SIGTERM';
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
