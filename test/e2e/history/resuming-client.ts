// A raw `ws` client of `ws /history` that records every envelope, tracks the positions a
// resume presents, and can vanish with a TCP reset (as a phone losing its network does).
import { Socket } from 'node:net';
import WebSocket from 'ws';

export interface Received {
  event: string;
  data?: unknown;
  id?: number;
  room?: string;
  offset?: number;
  epoch?: string;
}

export interface Position {
  offset: number;
  epoch: string;
}

/** The `data` of the answer to `$resume`. */
export interface ResumeReply {
  session: string;
  restored: boolean;
  rooms: Record<string, { recovered: boolean; epoch: string; offset: number; replayed: number }>;
}

const WAIT_MS = 15_000;

export class ResumingClient {
  readonly received: Received[] = [];
  session = '';
  private nextId = 1;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (raw) => {
      const envelope = JSON.parse(String(raw)) as Received;
      if (envelope.event === '$session') this.session = (envelope.data as { id: string }).id;
      this.received.push(envelope);
    });
  }

  static async connect(url: string): Promise<ResumingClient> {
    const client = new ResumingClient(new WebSocket(url));
    await new Promise<void>((resolve, reject) => {
      client.socket.once('open', () => resolve());
      client.socket.once('error', reject);
    });
    await client.waitFor((envelope) => envelope.event === '$session', 'the $session push');
    return client;
  }

  /** Sends with an id; resolves with the envelope that echoes it. */
  async request<T = unknown>(event: string, data?: unknown): Promise<T> {
    const id = this.nextId++;
    this.socket.send(JSON.stringify({ event, data, id }));
    return (await this.waitFor((envelope) => envelope.id === id, `the reply to ${event}`)).data as T;
  }

  /** `$resume` as the first message: the session to resume and the newest position in each room. */
  resume(session: string, rooms: Record<string, Position | undefined> = {}): Promise<ResumeReply> {
    return this.request<ResumeReply>('$resume', { session, rooms });
  }

  /** The `n` of each `msg` received from `room`, in arrival order. */
  numbers(room: string): number[] {
    return this.received.filter((envelope) => envelope.event === 'msg' && envelope.room === room).map((envelope) => (envelope.data as { n: number }).n);
  }

  /** The newest position received in the room. */
  position(room: string): Position | undefined {
    const last = this.received.filter((envelope) => envelope.room === room && typeof envelope.offset === 'number').at(-1);
    return last ? { offset: last.offset as number, epoch: last.epoch as string } : undefined;
  }

  /** Polls (10 ms) until the predicate holds for some envelope; bounded. */
  async waitFor(match: (envelope: Received) => boolean, what: string, timeoutMs = WAIT_MS): Promise<Received> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.find(match);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms; last received: ${JSON.stringify(this.received.slice(-3))}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Until `count` `msg`s of the room have arrived; bounded. */
  async waitForCount(room: string, count: number, timeoutMs = WAIT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.numbers(room).length < count) {
      if (Date.now() > deadline) throw new Error(`${this.numbers(room).length} of ${count} messages of ${room} within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** RST instead of FIN: the server sees ECONNRESET, no close handshake. */
  reset(): void {
    (this.socket as unknown as { _socket: Socket })._socket.resetAndDestroy();
  }

  close(): void {
    this.socket.terminate();
  }
}

export const range = (from: number, count: number): number[] => Array.from({ length: count }, (_, i) => from + i);
