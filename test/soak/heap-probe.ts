// Forces a full GC in the sample process and reads its memory, through the V8 inspector protocol
// (the sample runs with --inspect on a loopback port). Without it, RSS under load mostly shows how
// far V8 has let its heap grow before collecting, not what is still held.
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';

const WAIT_MS = 30_000;

export interface HeapReading {
  /** RSS right after the GC, from /proc. */
  rss: number;
  heapUsed: number;
  external: number;
}

export class HeapProbe {
  private nextId = 1;
  private readonly pending = new Map<number, (result: unknown) => void>();

  private constructor(
    private readonly ws: WebSocket,
    private readonly pid: number,
  ) {
    ws.on('message', (data) => {
      const message = JSON.parse(data.toString()) as { id?: number; result?: unknown };
      if (message.id !== undefined) this.pending.get(message.id)?.(message.result);
    });
  }

  /** Connects to the inspector whose address the process printed ("Debugger listening on ws://…") into its log. */
  static async attach(logPath: string, pid: number): Promise<HeapProbe> {
    const deadline = Date.now() + WAIT_MS;
    let url: string | undefined;
    while (!(url = /Debugger listening on (ws:\/\/\S+)/.exec(readFileSync(logPath, 'utf8'))?.[1])) {
      if (Date.now() > deadline) throw new Error(`no inspector address in ${logPath}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const ws = new WebSocket(url);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    return new HeapProbe(ws, pid);
  }

  /** Two full GCs, then the process's memory. */
  async read(): Promise<HeapReading> {
    await this.call('HeapProfiler.collectGarbage');
    await this.call('HeapProfiler.collectGarbage');
    const result = (await this.call('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true })) as { result: { value: string } };
    const usage = JSON.parse(result.result.value) as NodeJS.MemoryUsage;
    const rssKiB = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'))?.[1]);
    return { rss: rssKiB * 1024, heapUsed: usage.heapUsed, external: usage.external };
  }

  /** Detaches, so the process can exit without waiting for its debugger. */
  async detach(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    const closed = new Promise((resolve) => this.ws.once('close', resolve));
    this.ws.close();
    await closed;
  }

  private call(method: string, params: object = {}): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the inspector did not answer ${method}`)), WAIT_MS);
      this.pending.set(id, (result) => {
        clearTimeout(timer);
        this.pending.delete(id);
        resolve(result);
      });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }
}
