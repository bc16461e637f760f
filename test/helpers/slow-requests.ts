// Attackers that hold HTTP connections open before the 101: the slow-loris family. Every loop is
// bounded by a count and a give-up time, so a server that never answers fails the test, not the run.
import { connect, Socket } from 'node:net';

export interface SlowOutcome {
  /** The status of the answer, when one came before the close (e.g. 408). */
  status: number | undefined;
  /** When the server closed the connection (ms from its start); undefined if the attacker gave up first. */
  closedAfterMs: number | undefined;
  /** Bytes the attacker managed to send. */
  bytesSent: number;
}

export interface SlowOptions {
  port: number;
  count: number;
  /** The bytes each connection sends, one piece per tick. */
  request: Buffer;
  /** Bytes per tick and the tick interval: 1 byte per 100 ms trickles. */
  bytesPerTick?: number;
  tickMs?: number;
  /** The attacker gives up (destroys the socket) after this long. */
  giveUpMs: number;
  localAddress?: string;
  /** Called once every connection is open and trickling. */
  onStarted?: () => void;
}

/** Opens `count` connections and trickles `request` into each until the server closes it or the attacker gives up. */
export async function slowRequests(options: SlowOptions): Promise<SlowOutcome[]> {
  const { port, count, request, bytesPerTick = 1, tickMs = 100, giveUpMs, localAddress } = options;
  const attackers = Array.from({ length: count }, () => new SlowAttacker(port, request, localAddress));
  await Promise.all(attackers.map((attacker) => attacker.connected));
  const started = Date.now();
  const ticker = setInterval(() => {
    for (const attacker of attackers) attacker.sendNext(bytesPerTick);
  }, tickMs);
  options.onStarted?.();
  try {
    return await Promise.all(attackers.map((attacker) => attacker.outcome(started, giveUpMs)));
  } finally {
    clearInterval(ticker);
    for (const attacker of attackers) attacker.socket.destroy();
  }
}

class SlowAttacker {
  readonly socket: Socket;
  readonly connected: Promise<void>;
  private offset = 0;
  private received = Buffer.alloc(0);
  private closedAt: number | undefined;
  private readonly closed: Promise<void>;

  constructor(
    port: number,
    private readonly request: Buffer,
    localAddress: string | undefined,
  ) {
    this.socket = connect({ host: '127.0.0.1', port, localAddress });
    this.socket.setNoDelay(true);
    this.socket.on('error', () => undefined); // a reset is one way for the server to be done with us
    this.socket.on('data', (chunk: Buffer) => (this.received = Buffer.concat([this.received, chunk]).subarray(0, 512)));
    this.connected = new Promise((resolve, reject) => {
      this.socket.once('connect', resolve);
      this.socket.once('error', reject);
    });
    this.closed = new Promise((resolve) =>
      this.socket.once('close', () => {
        this.closedAt = Date.now();
        resolve();
      }),
    );
  }

  sendNext(byteCount: number): void {
    if (this.socket.destroyed || this.socket.writableEnded || this.offset >= this.request.length) return;
    this.socket.write(this.request.subarray(this.offset, this.offset + byteCount));
    this.offset += byteCount;
  }

  async outcome(started: number, giveUpMs: number): Promise<SlowOutcome> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.closed, new Promise((resolve) => (timer = setTimeout(resolve, Math.max(0, started + giveUpMs - Date.now()))))]);
    clearTimeout(timer);
    const statusLine = /^HTTP\/1\.[01] (\d{3})/.exec(this.received.toString('latin1'));
    return {
      status: statusLine ? Number(statusLine[1]) : undefined,
      closedAfterMs: this.closedAt === undefined ? undefined : this.closedAt - started,
      bytesSent: this.offset,
    };
  }
}
