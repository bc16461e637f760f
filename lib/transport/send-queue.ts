import { Duplex } from 'node:stream';

/** A tick's frames up to this size are copied into one buffer and written once. */
const COALESCE_MAX_BYTES = 64 * 1024;
/** Held bytes past this (a socket's default high-water mark) move into the corked socket. */
const SPILL_AT_BYTES = 16 * 1024;

/** Queues holding bytes for the end of this tick, flushed by one shared nextTick. */
const dirtyQueues: SendQueue[] = [];
let isFlushScheduled = false;

function flushDirtyQueues(): void {
  isFlushScheduled = false;
  // A queue written to during this loop is appended and flushed in the same loop.
  for (let i = 0; i < dirtyQueues.length; i++) dirtyQueues[i].flush();
  dirtyQueues.length = 0;
}

/**
 * Ordered writes to one socket. The frames written in one turn of the event loop (the replies to
 * one read, a broadcast) are held and leave in one write at the end of the tick: small ones copied
 * into one buffer (one syscall, no writev of many chunks); past the socket's high-water mark they
 * wait corked in the socket and leave in one writev, without a copy. Past that, the socket's own
 * buffer is the queue; this adds the high-water mark that keeps a slow consumer from growing the
 * heap (DESIGN.md defaults).
 */
export class SendQueue {
  private held: Buffer[] | undefined;
  private heldBytes = 0;
  private isDirty = false;
  /** Inside a read: its replies are flushed by endBatch(), not by a nextTick. */
  private isBatching = false;
  /** The socket is corked until the end of the tick (see spill). */
  private isCorked = false;

  constructor(
    private readonly socket: Duplex,
    private readonly maxBufferedBytes: number,
  ) {}

  /** Bytes accepted but not yet handed to the kernel. */
  get bufferedAmount(): number {
    return this.socket.writableLength + this.heldBytes;
  }

  /**
   * Would queueing `byteLength` more bytes pass the limit? An empty queue always takes the
   * message, so one message larger than the limit is still sent to a consumer that keeps up.
   * `queuedElsewhere` counts bytes waiting before the socket (e.g. for compression).
   */
  wouldOverflow(byteLength: number, queuedElsewhere = 0): boolean {
    const queued = this.bufferedAmount + queuedElsewhere;
    return queued > 0 && queued + byteLength > this.maxBufferedBytes;
  }

  /** False when the caller should wait for the socket's 'drain'. */
  write(bytes: Buffer): boolean {
    // Past the high-water mark the tick's bytes wait in the corked socket, which then knows to emit 'drain'.
    if (this.isCorked) return this.socket.write(bytes);
    (this.held ??= []).push(bytes);
    this.heldBytes += bytes.length;
    if (this.heldBytes >= SPILL_AT_BYTES) return this.spill();
    if (!this.isBatching) this.flushAtEndOfTick();
    return !this.socket.writableNeedDrain;
  }

  /** A header and a large payload written back to back, without copying the payload. */
  writeParts(header: Buffer, payload: Buffer): boolean {
    if (!this.isCorked) {
      (this.held ??= []).push(header);
      this.heldBytes += header.length;
    } else this.socket.write(header);
    return this.write(payload);
  }

  /**
   * The replies to one read leave in one write when the read is done (endBatch), without a
   * nextTick per read. Writes to other sockets meanwhile still flush at the end of the tick.
   */
  beginBatch(): void {
    this.isBatching = true;
  }

  endBatch(): void {
    this.isBatching = false;
    this.flush();
  }

  /** Writes what is held, then ends the socket (FIN after the last frame). */
  end(): void {
    this.flush();
    this.socket.end();
  }

  /** Hands the held bytes to the socket now. */
  flush(): void {
    this.isDirty = false;
    const held = this.held;
    if (held && held.length > 0) {
      const { socket } = this;
      if (socket.destroyed || socket.writableEnded) held.length = 0;
      else if (held.length === 1) socket.write(held[0]);
      else if (this.heldBytes <= COALESCE_MAX_BYTES && !this.isCorked) socket.write(concat(held, this.heldBytes));
      else for (let i = 0; i < held.length; i++) socket.write(held[i]);
      held.length = 0;
      this.heldBytes = 0;
    }
    if (this.isCorked) {
      this.isCorked = false;
      this.socket.uncork(); // one writev of everything corked, no copy
    }
  }

  /** Moves the held bytes into the corked socket, where they wait for the end of the tick. */
  private spill(): boolean {
    this.socket.cork();
    this.isCorked = true;
    const held = this.held!;
    let isBelowHighWater = true;
    for (let i = 0; i < held.length; i++) isBelowHighWater = this.socket.write(held[i]);
    held.length = 0;
    this.heldBytes = 0;
    if (!this.isBatching) this.flushAtEndOfTick();
    return isBelowHighWater;
  }

  private flushAtEndOfTick(): void {
    if (this.isDirty) return;
    this.isDirty = true;
    dirtyQueues.push(this);
    if (isFlushScheduled) return;
    isFlushScheduled = true;
    process.nextTick(flushDirtyQueues);
  }
}

function concat(chunks: Buffer[], byteLength: number): Buffer {
  const out = Buffer.allocUnsafe(byteLength);
  let at = 0;
  for (let i = 0; i < chunks.length; i++) {
    out.set(chunks[i], at);
    at += chunks[i].length;
  }
  return out;
}
