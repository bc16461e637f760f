// One simulated user of the sample's /bench gateway: connects, joins a room, sends echo requests
// with sequence ids and broadcasts to its room, then drains its outstanding requests and leaves
// with a clean close. Every reply and room message is checked against the SoakLedger.
import WebSocket from 'ws';
import { BroadcastRecord, Membership, SoakLedger } from './soak-ledger';

export interface UserPlan {
  url: string;
  room: string;
  echoEveryMs: number;
  broadcastEveryMs: number;
  lifetimeMs: number;
}

interface Envelope {
  event: string;
  data?: unknown;
  id?: number | string;
}

const JOIN_ID = 'join';
const DRAIN_WAIT_MS = 15_000;
const CONNECT_WAIT_MS = 15_000;

/** An exponential wait with this mean: arrivals look random, not in lockstep. */
const jittered = (meanMs: number): number => -Math.log(1 - Math.random()) * meanMs;

export class SoakUser {
  private ws: WebSocket | undefined;
  private nextSeq = 1;
  private nextExpected = 1;
  private broadcastSeq = 0;
  /** Echo id → the broadcast it acknowledges. */
  private readonly pendingBroadcasts = new Map<number, BroadcastRecord>();
  private readonly lastSeqFrom = new Map<number, number>();
  private membership: Membership | undefined;
  private timers: NodeJS.Timeout[] = [];
  private isLeaving = false;
  private drained: (() => void) | undefined;

  constructor(
    readonly id: number,
    private readonly plan: UserPlan,
    private readonly ledger: SoakLedger,
  ) {}

  /** Resolves when the user has left (cleanly or not); never rejects. */
  async live(shouldStop: () => boolean): Promise<void> {
    try {
      await this.connect();
      await this.join();
      this.schedule(shouldStop);
      await this.untilDeparture(shouldStop);
      await this.leave();
    } catch (error) {
      this.ledger.violation('connection failed', `user ${this.id}: ${(error as Error).message}`);
      this.ws?.terminate();
    } finally {
      for (const timer of this.timers) clearTimeout(timer);
    }
  }

  private connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.plan.url, { perMessageDeflate: false, handshakeTimeout: CONNECT_WAIT_MS });
      this.ws = ws;
      ws.once('open', () => {
        this.ledger.counts.connected++;
        resolve();
      });
      ws.once('error', reject);
      ws.on('message', (data, isBinary) => this.onMessage(isBinary ? undefined : data.toString()));
      ws.on('close', (code) => {
        if (!this.isLeaving) this.ledger.violation('closed by the server', `user ${this.id}: close ${code} while active`);
        this.drained?.();
      });
    });
  }

  private async join(): Promise<void> {
    const joined = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no reply to join')), CONNECT_WAIT_MS);
      this.onJoined = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.send({ event: 'join', data: this.plan.room, id: JOIN_ID });
    await joined;
    this.membership = { user: this.id, room: this.plan.room, joinedAt: Date.now(), leftAt: Infinity, received: new Set() };
  }

  private onJoined: (() => void) | undefined;

  private schedule(shouldStop: () => boolean): void {
    const every = (meanMs: number, act: () => void): void => {
      const tick = (): void => {
        if (this.isLeaving || shouldStop()) return;
        act();
        this.timers.push(setTimeout(tick, jittered(meanMs)));
      };
      this.timers.push(setTimeout(tick, jittered(meanMs)));
    };
    every(this.plan.echoEveryMs, () => this.echo());
    every(this.plan.broadcastEveryMs, () => this.broadcast());
  }

  private untilDeparture(shouldStop: () => boolean): Promise<void> {
    return new Promise((resolve) => {
      const deadline = Date.now() + jittered(this.plan.lifetimeMs);
      const check = (): void => {
        if (Date.now() >= deadline || shouldStop() || this.ws?.readyState !== WebSocket.OPEN) return resolve();
        this.timers.push(setTimeout(check, 250));
      };
      check();
    });
  }

  private echo(): number {
    const seq = this.nextSeq++;
    this.send({ event: 'echo', data: { user: this.id, seq }, id: seq });
    this.ledger.counts.echoesSent++;
    return seq;
  }

  private broadcast(): void {
    const record: BroadcastRecord = { sender: this.id, seq: ++this.broadcastSeq, sentAt: Date.now(), ackedAt: undefined };
    this.send({ event: 'broadcast', data: { room: this.plan.room, payload: { sender: this.id, seq: record.seq } } });
    this.ledger.recordBroadcast(this.plan.room, record);
    this.pendingBroadcasts.set(this.echo(), record);
  }

  /** Stops sending, waits for every outstanding reply, then closes (1000) and checks what the room delivered. */
  private async leave(): Promise<void> {
    this.isLeaving = true;
    const ws = this.ws as WebSocket;
    if (this.nextExpected < this.nextSeq && ws.readyState === WebSocket.OPEN) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, DRAIN_WAIT_MS);
        this.drained = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    const unanswered = this.nextSeq - this.nextExpected;
    if (unanswered > 0) this.ledger.violation('echo lost', `user ${this.id}: ${unanswered} requests never answered (next expected ${this.nextExpected})`);
    if (ws.readyState !== WebSocket.OPEN) return;
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    // What the server wrote before it read our close frame arrives before its answering close frame.
    if (this.membership) this.membership.leftAt = Date.now();
    ws.close(1000, 'soak: leaving');
    const code = await closed;
    if (code !== 1000) return this.ledger.violation('unclean close', `user ${this.id}: close ${code}`);
    this.ledger.counts.closedCleanly++;
    if (this.membership) this.ledger.checkMembership(this.membership);
  }

  private send(envelope: Envelope): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(envelope));
  }

  private onMessage(text: string | undefined): void {
    let envelope: Envelope;
    try {
      envelope = JSON.parse(text ?? '') as Envelope;
    } catch {
      return this.ledger.violation('bad frame', `user ${this.id}: not an envelope`);
    }
    if (envelope.event === 'echo') return this.onEcho(envelope);
    if (envelope.event === 'msg') return this.onRoomMessage(envelope.data as { sender: number; seq: number });
    if (envelope.event === 'join' && envelope.id === JOIN_ID) return this.onJoined?.();
    this.ledger.violation('unexpected envelope', `user ${this.id}: ${text?.slice(0, 200)}`);
  }

  /** Replies come once each, in the order the requests were sent. */
  private onEcho(envelope: Envelope): void {
    const id = envelope.id as number;
    const data = envelope.data as { user?: number; seq?: number } | undefined;
    if (data?.user !== this.id || data.seq !== id) this.ledger.violation('echo corrupted', `user ${this.id}: ${JSON.stringify(envelope)}`);
    if (id !== this.nextExpected) {
      const kind = id < this.nextExpected ? 'echo duplicated or reordered' : 'echo lost or reordered';
      this.ledger.violation(kind, `user ${this.id}: reply ${id} while expecting ${this.nextExpected}`);
      if (id < this.nextExpected) return;
    }
    this.nextExpected = id + 1;
    this.ledger.counts.echoesAcked++;
    const broadcast = this.pendingBroadcasts.get(id);
    if (broadcast) {
      broadcast.ackedAt = Date.now();
      this.pendingBroadcasts.delete(id);
      this.ledger.counts.broadcastsAcked++;
    }
    if (this.isLeaving && this.nextExpected === this.nextSeq) this.drained?.();
  }

  /** Each sender's broadcasts arrive once each, in its order. */
  private onRoomMessage(payload: { sender: number; seq: number }): void {
    this.ledger.counts.roomMessagesReceived++;
    const last = this.lastSeqFrom.get(payload.sender) ?? 0;
    if (payload.seq <= last) this.ledger.violation('broadcast duplicated or reordered', `user ${this.id}: ${payload.seq} from ${payload.sender} after ${last}`);
    else this.lastSeqFrom.set(payload.sender, payload.seq);
    this.membership?.received.add(`${payload.sender}:${payload.seq}`);
  }
}
