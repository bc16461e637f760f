import { Duplex } from 'node:stream';

/**
 * Ordered writes to one socket. The socket's own buffer is the queue; this adds the
 * high-water mark that keeps a slow consumer from growing the heap (DESIGN.md defaults).
 */
export class SendQueue {
  constructor(
    private readonly socket: Duplex,
    private readonly maxBufferedBytes: number,
  ) {}

  /** Bytes accepted but not yet handed to the kernel. */
  get bufferedAmount(): number {
    return this.socket.writableLength;
  }

  /**
   * Would queueing `byteLength` more bytes pass the limit? An empty queue always takes the
   * message, so one message larger than the limit is still sent to a consumer that keeps up.
   */
  wouldOverflow(byteLength: number): boolean {
    const queued = this.socket.writableLength;
    return queued > 0 && queued + byteLength > this.maxBufferedBytes;
  }

  /** False when the socket asks the writer to wait for 'drain'. */
  write(bytes: Buffer): boolean {
    return this.socket.write(bytes);
  }

  /** A header and a large payload written back to back, without copying the payload. */
  writeParts(header: Buffer, payload: Buffer): boolean {
    this.socket.cork();
    this.socket.write(header);
    const isBelowHighWater = this.socket.write(payload);
    this.socket.uncork();
    return isBelowHighWater;
  }
}
