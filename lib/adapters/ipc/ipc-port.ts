import type { Serializable } from 'node:child_process';

/**
 * One end of an IPC channel: `process` in a cluster worker, a `cluster.Worker` or a `ChildProcess`
 * in the primary. Messages carry Buffers, so the channel should use `serialization: 'advanced'`.
 */
export interface IpcPort {
  send(message: Serializable, sendHandle?: undefined, options?: undefined, callback?: (error: Error | null) => void): boolean;
  on(event: 'message' | 'disconnect', listener: (message: unknown) => void): unknown;
  off(event: 'message' | 'disconnect', listener: (message: unknown) => void): unknown;
}

/** This process's channel to its parent (the cluster primary); undefined when it was not forked with one. */
export function parentPort(): IpcPort | undefined {
  const send = process.send?.bind(process);
  if (!send) return undefined;
  return {
    send: (message, sendHandle, options, callback) => send(message, sendHandle, options, callback),
    on: (event, listener) => process.on(event, listener),
    off: (event, listener) => process.off(event, listener),
  };
}

/** What may wait on one channel by default: 64 MiB of frames and payloads. */
export const DEFAULT_MAX_PENDING_BYTES = 64 << 20;

/**
 * Sends over a port with at most `maxPending` messages, and `maxPendingBytes` of them, not yet
 * written to it: a peer that stops reading (a stalled primary or worker) costs bounded memory,
 * however large its frames, and what is refused is counted.
 */
export class BoundedSender {
  private pending = 0;
  private pendingBytes = 0;
  /** Messages refused (queue full) or failed (channel closed). */
  undelivered = 0;

  constructor(
    private readonly port: IpcPort,
    private readonly maxPending: number,
    private readonly maxPendingBytes = Infinity,
  ) {}

  /**
   * False when the message was refused; throws what the channel threw (counted); a failure after
   * that is only counted. `bytes`: what it holds (its frames and payloads), as the caller knows it.
   * One message larger than the whole budget still goes when nothing else waits.
   */
  send(message: Serializable, bytes = 0): boolean {
    if (this.pending >= this.maxPending || (this.pending > 0 && this.pendingBytes + bytes > this.maxPendingBytes)) {
      this.undelivered++;
      return false;
    }
    this.pending++;
    this.pendingBytes += bytes;
    try {
      this.port.send(message, undefined, undefined, (error) => this.onWritten(bytes, error));
    } catch (error) {
      // Refused before it was queued (a value the channel cannot clone): no callback will free its place.
      this.onWritten(bytes, null);
      this.undelivered++;
      throw error;
    }
    return true;
  }

  private onWritten(bytes: number, error: Error | null): void {
    this.pending--;
    this.pendingBytes -= bytes;
    if (error) this.undelivered++;
  }
}
