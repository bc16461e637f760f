// An envelope client over an AttackSocket for the broadcast attacks: it joins a room, records the
// sequence numbers of the room's messages in arrival order, and can stop reading to play the slow
// consumer.
import { AttackSocket } from './attack-socket';
import { OP, encodeFrame } from './raw-frames';

interface Envelope {
  event: string;
  data?: unknown;
  id?: number | string;
}

export class EnvelopeMember {
  /** `data.seq` of every `msg` push, in arrival order. */
  readonly received: number[] = [];
  /** The close code the server sent (null: empty close payload); undefined while none came. */
  closeCode: number | null | undefined;
  /** Every frame in arrival order: `reply <id>`, `msg`, `error`, `close <code>`. */
  readonly log: string[] = [];
  private readonly replies = new Map<number | string, Envelope>();
  private waiters: (() => void)[] = [];
  private isConsuming = false;
  /** Far from the ids an attack writes by hand. */
  private nextId = 1_000_000;

  private constructor(readonly socket: AttackSocket) {}

  static async open(port: number, path: string, localAddress?: string): Promise<EnvelopeMember> {
    return EnvelopeMember.adopt(await AttackSocket.open(port, { path, localAddress }));
  }

  /** Takes over a connection whose earlier frames were read by someone else. */
  static adopt(socket: AttackSocket): EnvelopeMember {
    const member = new EnvelopeMember(socket);
    member.consume();
    return member;
  }

  /** Sends an envelope with a fresh id and waits for the reply with that id. */
  async request(event: string, data: unknown, waitMs = 5000): Promise<Envelope> {
    const id = this.nextId++;
    await this.send({ event, data, id });
    await this.until(() => this.replies.has(id) || this.closeCode !== undefined || this.socket.reader.isClosed, waitMs, `a reply to ${event} #${id}`);
    const reply = this.replies.get(id);
    if (!reply) throw new Error(`no reply to ${event} #${id}: the connection closed (code ${this.closeCode})`);
    return reply;
  }

  send(envelope: Envelope): Promise<boolean> {
    return this.socket.write(encodeFrame({ opcode: OP.text, payload: JSON.stringify(envelope) }));
  }

  join(room: string): Promise<Envelope> {
    return this.request('join', room);
  }

  /** Stops reading from the socket: the kernel buffers fill, then the server's queue for us. */
  stopReading(): void {
    this.socket.pauseReading();
  }

  resumeReading(): void {
    this.socket.resumeReading();
  }

  /** Resolves once `count` room messages have arrived (or rejects after `waitMs`). */
  receivedAtLeast(count: number, waitMs: number): Promise<void> {
    return this.until(() => this.received.length >= count, waitMs, `${count} room messages (got ${this.received.length})`);
  }

  /** Resolves once the server's close frame arrived and TCP closed. */
  closed(waitMs: number): Promise<void> {
    return this.until(() => this.socket.reader.isClosed, waitMs, 'the close');
  }

  destroy(): void {
    this.socket.destroy();
  }

  private consume(): void {
    if (this.isConsuming) return;
    this.isConsuming = true;
    void (async () => {
      for (;;) {
        let frame;
        try {
          frame = await this.socket.reader.frame(60_000);
        } catch {
          break; // closed (or an idle minute): nothing more will come
        }
        if (frame.opcode === OP.close) {
          this.closeCode = frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : null;
          this.log.push(`close ${this.closeCode}`);
          // A well-behaved client answers the close (§5.5.1), so the server need not wait for its timeout.
          await this.socket.write(encodeFrame({ opcode: OP.close, payload: frame.payload.subarray(0, 2) }));
        } else if (frame.opcode === OP.text) this.onEnvelope(JSON.parse(frame.payload.toString('utf8')) as Envelope);
        this.notify();
      }
      this.notify();
    })();
  }

  private onEnvelope(envelope: Envelope): void {
    if (envelope.event === 'msg') this.received.push((envelope.data as { seq: number }).seq);
    else if (envelope.id !== undefined) this.replies.set(envelope.id, envelope);
    this.log.push(envelope.event === 'msg' || envelope.event === 'error' ? envelope.event : `reply ${envelope.id}`);
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  private async until(condition: () => boolean, waitMs: number, what: string): Promise<void> {
    const deadline = Date.now() + waitMs;
    while (!condition()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${what} within ${waitMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 250));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}
