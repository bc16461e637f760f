import { Duplex } from 'node:stream';

/**
 * Ordered writes to one socket. The socket's own buffer is the queue; this adds the
 * high-water mark that keeps a slow consumer from growing the heap (DESIGN.md defaults).
 */
export class SendQueue {
  private isCorked = false;

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
   * `queuedElsewhere` counts bytes waiting before the socket (e.g. for compression).
   */
  wouldOverflow(byteLength: number, queuedElsewhere = 0): boolean {
    const queued = this.socket.writableLength + queuedElsewhere;
    return queued > 0 && queued + byteLength > this.maxBufferedBytes;
  }

  /** False when the socket asks the writer to wait for 'drain'. */
  write(bytes: Buffer): boolean {
    this.batch();
    return this.socket.write(bytes);
  }

  /**
   * Frames written in one turn of the event loop (the replies to one read, a broadcast) leave
   * in one writev instead of one syscall each: cork now, uncork once the tick's work is done.
   */
  private batch(): void {
    if (this.isCorked) return;
    this.isCorked = true;
    this.socket.cork();
    process.nextTick(() => {
      this.isCorked = false;
      this.socket.uncork();
    });
  }

  /** A header and a large payload written back to back, without copying the payload. */
  writeParts(header: Buffer, payload: Buffer): boolean {
    this.batch();
    this.socket.write(header);
    return this.socket.write(payload);
  }
}
