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

/**
 * Sends over a port with at most `maxPending` messages not yet written to it: a peer that stops
 * reading (a stalled primary or worker) costs bounded memory, and what is refused is counted.
 */
export class BoundedSender {
  private pending = 0;
  /** Messages refused (queue full) or failed (channel closed). */
  undelivered = 0;

  constructor(
    private readonly port: IpcPort,
    private readonly maxPending: number,
  ) {}

  /** False when the message was refused; throws what the channel threw (counted); a failure after that is only counted. */
  send(message: Serializable): boolean {
    if (this.pending >= this.maxPending) {
      this.undelivered++;
      return false;
    }
    this.pending++;
    try {
      this.port.send(message, undefined, undefined, this.onWritten);
    } catch (error) {
      // Refused before it was queued (a value the channel cannot clone): no callback will free its place.
      this.pending--;
      this.undelivered++;
      throw error;
    }
    return true;
  }

  private readonly onWritten = (error: Error | null): void => {
    this.pending--;
    if (error) this.undelivered++;
  };
}
