import { RequestError, RequestTimeoutError } from './client-errors';
import { ClientEnvelope, ERROR_EVENT, errorBodyOf } from './envelope';

/** The longest delay setTimeout keeps, about 24.8 days. */
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

interface PendingRequest {
  event: string;
  /** Written to a socket: a drop of that socket means no reply can come. */
  isSent: boolean;
  resolve(data: unknown): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * Requests waiting for the envelope that echoes their id (DESIGN.md: replies echo the id).
 * Each one settles exactly once: by its reply, an error envelope, its timeout, or a drop.
 */
export class PendingRequests {
  private readonly byId = new Map<number, PendingRequest>();
  private lastId = 0;

  get size(): number {
    return this.byId.size;
  }

  /** 1, 2, 3, … for the life of the client, so a late reply can never match a newer request. */
  nextId(): number {
    return ++this.lastId;
  }

  /** Waits for the reply to request `id`; `onTimeout` runs before the timeout rejects it. */
  add(id: number, event: string, timeoutMs: number, onTimeout: () => void): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const pending: PendingRequest = { event, isSent: false, resolve, reject, timer: undefined };
      // setTimeout keeps at most 2^31 - 1 ms and fires a longer delay (Infinity too) at once: such a request has no timer.
      if (timeoutMs <= MAX_TIMER_DELAY_MS) {
        pending.timer = setTimeout(() => {
          onTimeout();
          this.reject(id, new RequestTimeoutError(event, timeoutMs));
        }, timeoutMs);
      }
      this.byId.set(id, pending);
    });
  }

  /** A reply to one of our requests that no longer waits (it timed out, or its connection dropped). */
  isLateReply(envelope: ClientEnvelope): boolean {
    return typeof envelope.id === 'number' && Number.isInteger(envelope.id) && envelope.id >= 1 && envelope.id <= this.lastId;
  }

  markSent(id: number): void {
    const pending = this.byId.get(id);
    if (pending) pending.isSent = true;
  }

  /** Settles the request this envelope answers: false when no request waits for its id. */
  settle(envelope: ClientEnvelope): boolean {
    if (typeof envelope.id !== 'number') return false;
    const pending = this.take(envelope.id);
    if (!pending) return false;
    if (envelope.event === ERROR_EVENT) pending.reject(new RequestError(errorBodyOf(envelope.data)));
    else pending.resolve(envelope.data);
    return true;
  }

  reject(id: number, error: Error): void {
    this.take(id)?.reject(error);
  }

  /** The connection dropped: requests written to it cannot be answered; queued ones still can. */
  rejectSent(error: Error): void {
    for (const [id, pending] of this.byId) if (pending.isSent) this.reject(id, error);
  }

  rejectAll(error: Error): void {
    for (const id of [...this.byId.keys()]) this.reject(id, error);
  }

  private take(id: number): PendingRequest | undefined {
    const pending = this.byId.get(id);
    if (!pending) return undefined;
    this.byId.delete(id);
    clearTimeout(pending.timer);
    return pending;
  }
}
