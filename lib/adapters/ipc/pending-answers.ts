import type { IpcAnswer } from './ipc-message';

interface Pending {
  resolve(value: IpcAnswer | undefined): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * Requests sent to the primary and not yet answered, by id. Each waits at most `timeoutMs`;
 * when the primary is gone the ones left are rejected, so no caller waits forever.
 */
export class PendingAnswers {
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;

  constructor(private readonly timeoutMs: number) {}

  get size(): number {
    return this.pending.size;
  }

  /** Registers a request before it is sent (an answer cannot arrive first); `send` false or throwing rejects it at once. */
  request(send: (requestId: number) => boolean): Promise<IpcAnswer | undefined> {
    const requestId = this.nextId++;
    const answered = new Promise<IpcAnswer | undefined>((resolve, reject) => {
      const timer = setTimeout(() => this.settle(requestId, undefined, `the primary did not answer within ${this.timeoutMs} ms`), this.timeoutMs);
      timer.unref();
      this.pending.set(requestId, { resolve, reject, timer });
    });
    try {
      if (!send(requestId)) this.settle(requestId, undefined, 'the channel to the primary is full or closed');
    } catch (error) {
      // The channel could not take it (a value IPC cannot clone): answered now, not left to time out unheard.
      this.settle(requestId, undefined, `the request could not be sent: ${error instanceof Error ? error.message : String(error)}`);
    }
    return answered;
  }

  /** The primary's answer, or why there is none. */
  settle(requestId: number, value: IpcAnswer | undefined, failure: string | undefined): void {
    const pending = this.pending.get(requestId);
    if (!pending) return; // answered after its timeout
    clearTimeout(pending.timer);
    this.pending.delete(requestId);
    if (failure === undefined) pending.resolve(value);
    else pending.reject(new Error(failure));
  }

  failAll(reason: string): void {
    for (const requestId of [...this.pending.keys()]) this.settle(requestId, undefined, reason);
  }
}
