import type { Redis } from 'ioredis';

/** An SSUBSCRIBE answered MOVED: its slot is served elsewhere (ioredis does not say where; the slot map does, once refreshed). */
export class ShardMovedError extends Error {
  constructor(channels: readonly string[]) {
    super(`MOVED: SSUBSCRIBE ${channels.join(' ')} went to a master that no longer serves the slot`);
  }
}

interface Pending {
  readonly channels: readonly string[];
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * The SSUBSCRIBEs sent on one master's subscriber connection and not answered yet; none is waited on
 * for ever. ioredis 5.11 settles an SSUBSCRIBE answered MOVED neither way (built/DataHandler.js emits
 * `moved` on the connection and drops the command), and a connection that stopped carrying what the
 * master sends never answers at all. So:
 * - on `moved`, every pending one is rejected with ShardMovedError (which one was redirected is not
 *   said; subscribing a channel again where it already is changes nothing);
 * - one not answered within `answerTimeoutMs` means the connection is deaf: `onUnanswered` is told
 *   once (the owner replaces the connection, whose close then calls abandon()).
 */
export class PendingSubscribes {
  private readonly pending = new Set<Pending>();
  private hasReportedDeaf = false;
  private readonly onMoved = (): void => {
    for (const entry of [...this.pending]) this.settle(entry, () => entry.reject(new ShardMovedError(entry.channels)));
  };

  constructor(
    private readonly connection: Redis,
    private readonly answerTimeoutMs: number,
    private readonly onUnanswered: () => void,
  ) {
    connection.on('moved', this.onMoved);
  }

  get size(): number {
    return this.pending.size;
  }

  /** SSUBSCRIBE of channels in one slot; resolves once Redis confirmed each of them. */
  send(channels: readonly string[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const entry: Pending = { channels, reject, timer: setTimeout(() => this.onTimeout(), this.answerTimeoutMs) };
      entry.timer.unref();
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

  private settle(entry: Pending, outcome: () => void): void {
    if (!this.pending.delete(entry)) return; // settled already (moved, abandoned, or answered late)
    clearTimeout(entry.timer);
    outcome();
  }

  private onTimeout(): void {
    if (this.hasReportedDeaf) return;
    this.hasReportedDeaf = true;
    this.onUnanswered();
  }
}
