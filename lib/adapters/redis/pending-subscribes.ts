import type { Redis } from 'ioredis';

/** An SSUBSCRIBE answered MOVED: its slot is served elsewhere (ioredis does not say where; the slot map does, once refreshed). */
export class ShardMovedError extends Error {
  constructor(channels: readonly string[]) {
    super(`MOVED: SSUBSCRIBE ${channels.join(' ')} went to a master that no longer serves the slot`);
  }
}

/** Channels of one slot waiting for this turn of the event loop to end, and those waiting for their SSUBSCRIBE. */
interface Batch {
  readonly channels: Set<string>;
  readonly sent: Promise<void>;
  readonly send: () => void;
}

// Channels per SSUBSCRIBE at most (a node joining its rooms' slots after a reconnect sends thousands).
const MAX_CHANNELS_PER_SSUBSCRIBE = 1000;

interface Pending {
  readonly channels: readonly string[];
  readonly reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * The SSUBSCRIBEs sent on one master's subscriber connection and not answered yet; none is waited on
 * for ever. Channels asked for in the same turn of the event loop go in one SSUBSCRIBE per slot
 * (Redis refuses one spanning slots): 2 000 rooms in 128 partitions cost 128 commands, not 2 000. ioredis 5.11 settles an SSUBSCRIBE answered MOVED neither way (built/DataHandler.js emits
 * `moved` on the connection and drops the command), and a connection that stopped carrying what the
 * master sends never answers at all. So:
 * - on `moved`, every pending one is rejected with ShardMovedError (which one was redirected is not
 *   said; subscribing a channel again where it already is changes nothing);
 * - one not answered within `answerTimeoutMs` means the connection is deaf: `onUnanswered` is told
 *   once per link (the owner replaces the connection, whose close then calls abandon(); its next
 *   `ready` watches it afresh either way).
 */
export class PendingSubscribes {
  private readonly pending = new Set<Pending>();
  private hasReportedDeaf = false;
  private readonly batches = new Map<number, Batch>();
  private readonly onMoved = (): void => {
    for (const entry of [...this.pending]) this.settle(entry, () => entry.reject(new ShardMovedError(entry.channels)));
  };
  /**
   * (Re)connected: a new link is watched afresh, even with no `close` since the last report (the owner's
   * disconnect(true) of a connection already reconnecting emits none), and what waited in ioredis's
   * offline queue goes out now: its answer is timed from here.
   */
  private readonly onReady = (): void => {
    this.hasReportedDeaf = false;
    for (const entry of this.pending) {
      clearTimeout(entry.timer);
      entry.timer = this.startTimer();
    }
  };

  constructor(
    private readonly connection: Redis,
    private readonly answerTimeoutMs: number,
    private readonly onUnanswered: () => void,
  ) {
    connection.on('moved', this.onMoved);
    connection.on('ready', this.onReady);
  }

  get size(): number {
    return this.pending.size;
  }

  /** SSUBSCRIBE of a channel of `slot`, with the others of that slot asked for in this turn; resolves once Redis confirmed them. */
  subscribe(slot: number, channel: string): Promise<void> {
    let batch = this.batches.get(slot);
    if (!batch) {
      batch = this.newBatch(slot);
      if (this.batches.size === 0) setImmediate(() => this.flush());
      this.batches.set(slot, batch);
    }
    batch.channels.add(channel);
    const { sent } = batch;
    if (batch.channels.size >= MAX_CHANNELS_PER_SSUBSCRIBE) batch.send();
    return sent;
  }

  /** SSUBSCRIBE of channels in one slot; resolves once Redis confirmed each of them. */
  send(channels: readonly string[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const entry: Pending = { channels, reject, timer: this.startTimer() };
      this.pending.add(entry);
      this.connection.ssubscribe(...channels).then(
        () => this.settle(entry, resolve),
        (error: unknown) => this.settle(entry, () => reject(error instanceof Error ? error : new Error(String(error)))),
      );
    });
  }

  /** The connection closed or was dropped: ioredis rejects the commands it still queues, not those it already dropped. */
  abandon(error: Error): void {
    this.hasReportedDeaf = false; // a new connection follows: it is watched afresh
    for (const entry of [...this.pending]) this.settle(entry, () => entry.reject(error));
  }

  private newBatch(slot: number): Batch {
    const channels = new Set<string>();
    let send = (): void => undefined;
    const sent = new Promise<void>((resolve, reject) => {
      send = () => {
        if (this.batches.get(slot) !== batch) return; // sent already (full)
        this.batches.delete(slot);
        this.send([...channels]).then(resolve, reject);
      };
    });
    const batch: Batch = { channels, sent, send: () => send() };
    return batch;
  }

  private flush(): void {
    for (const batch of [...this.batches.values()]) batch.send();
  }

  private settle(entry: Pending, outcome: () => void): void {
    if (!this.pending.delete(entry)) return; // settled already (moved, abandoned, or answered late)
    clearTimeout(entry.timer);
    outcome();
  }

  private startTimer(): NodeJS.Timeout {
    const timer = setTimeout(() => this.onTimeout(), this.answerTimeoutMs);
    timer.unref();
    return timer;
  }

  private onTimeout(): void {
    if (this.hasReportedDeaf) return;
    this.hasReportedDeaf = true;
    this.onUnanswered();
  }
}
