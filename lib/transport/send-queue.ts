import { Duplex } from 'node:stream';
import { frameHeaderBytes, writeTextFrame } from '../protocol/frame-writer';
import { ByteBacklog, compacted } from './byte-backlog';

/** A tick's frames up to this size are copied into one buffer and written once. */
const COALESCE_MAX_BYTES = 64 * 1024;
/** Held bytes past this (a socket's default high-water mark) move into the corked socket. */
const SPILL_AT_BYTES = 16 * 1024;

/**
 * Text frames are encoded straight into a shared slab, as Buffer's own pool does: a reply of 4 KiB
 * made its own ArrayBuffer (Buffer's pool stops at 4 KiB), and two of them in one read a third to
 * join them. Bounded: a write the kernel does not take at once keeps its whole slab alive until it
 * leaves, and frames for a socket still writing are copied out (closeRegion): a stalled socket
 * holds one slab at most. SLAB_BYTES ≥ SPILL_AT_BYTES + SLAB_FRAME_MAX_BYTES (see startSlab).
 */
const SLAB_BYTES = 32 * 1024;
const SLAB_FRAME_MAX_BYTES = 8 * 1024;
let slab = Buffer.allocUnsafeSlow(0);
let slabUsed = 0;

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
 * buffer is the queue until it passes its high-water mark; from then on until 'drain' (the owner
 * calls flush()), writes wait in a backlog that copies small frames together, so a slow consumer
 * sent many tiny frames holds their bytes, not an object each (DESIGN.md defaults).
 */
export class SendQueue {
  private held: Buffer[] | undefined;
  private heldBytes = 0;
  /** Frames this queue encoded into the slab and has not written yet: slab[regionStart, regionEnd). */
  private region: Buffer | undefined;
  private regionStart = 0;
  private regionEnd = 0;
  private isDirty = false;
  /** Inside a read: its replies are flushed by endBatch(), not by a nextTick. */
  private isBatching = false;
  /** The socket is corked until the end of the tick (see spill). */
  private isCorked = false;
  /** When it was corked, the socket still held bytes the kernel had not taken (see waiting). */
  private wasWritingAtCork = false;
  /** Set while the socket is past its high-water mark: every write waits here, in order, until flush() finds it drained. */
  private backlog: ByteBacklog | undefined;

  constructor(private readonly socket: Duplex) {}

  /** Bytes accepted but not yet handed to the kernel. */
  get bufferedAmount(): number {
    return this.socket.writableLength + this.heldBytes + (this.backlog?.byteLength ?? 0);
  }

  /**
   * A text message as one frame, encoded straight into the slab next to the frames before it, so
   * a read's replies cost neither a buffer each nor a copy into one. `payloadLength` is its UTF-8 size.
   */
  writeText(text: string, payloadLength: number): boolean {
    const frameLength = frameHeaderBytes(payloadLength, false) + payloadLength;
    if (frameLength > SLAB_FRAME_MAX_BYTES || this.isCorked || this.backlog) {
      const frame = Buffer.allocUnsafe(frameLength);
      writeTextFrame(frame, 0, text, payloadLength);
      return this.write(frame);
    }
    if (slab.length - slabUsed < frameLength) this.startSlab();
    // Another queue took the slab since this one's last frame: start a new region.
    if (this.region !== slab || this.regionEnd !== slabUsed) {
      this.closeRegion();
      this.region = slab;
      this.regionStart = slabUsed;
    }
    slabUsed = this.regionEnd = writeTextFrame(slab, slabUsed, text, payloadLength);
    return this.afterHolding(frameLength);
  }

  /** False when the caller should wait for the socket's 'drain'. `isShared`: see ByteBacklog.push. */
  write(bytes: Buffer, isShared = false): boolean {
    // Already full: wait in the backlog from this write on, not held until the end of the tick and
    // copied into it then (a shared frame would be copied on every slow connection).
    if (!this.backlog && !this.isCorked && this.socket.writableNeedDrain) this.startBacklogAfterHeld();
    if (this.backlog) {
      this.backlog.push(bytes, isShared);
      return false;
    }
    // Past the spill size the tick's bytes wait in the corked socket, which then knows to emit 'drain'.
    // A shared frame is kept as it is: copied per socket, a broadcast would cost its bytes on each one.
    const kept = isShared ? bytes : this.waiting(bytes);
    if (this.isCorked) return this.socket.write(kept) || this.startBacklog();
    this.closeRegion();
    (this.held ??= []).push(kept);
    return this.afterHolding(bytes.length);
  }

  /** A header and a large payload written back to back, without copying the payload. */
  writeParts(header: Buffer, payload: Buffer): boolean {
    this.write(header);
    return this.write(payload);
  }

  /** `byteLength` more bytes are held: past the high-water mark they spill into the corked socket, else they leave at the end of the read or tick. */
  private afterHolding(byteLength: number): boolean {
    this.heldBytes += byteLength;
    if (this.heldBytes >= SPILL_AT_BYTES) return this.spill();
    if (!this.isBatching) this.flushAtEndOfTick();
    return !this.socket.writableNeedDrain;
  }

  /**
   * The replies to one read leave in one write when the read is done (endBatch), without a
   * nextTick per read. Writes to other sockets meanwhile still flush at the end of the tick.
   * Also with one busy connection: writing its first reply at once, so the peer works while the
   * rest are made, halved raw echo 32 B × 1 connection × 8 (491k → 275k msg/s, issue 17). Splitting
   * a read's replies into up to 4 writes only when the loop reads that one socket (c49039f reverts
   * it) cut the server's sleeps per message from 0.12 to 0.04 and ran 1.5× faster pinned (server and
   * load generator on their own cores, machine loaded), but 3-10× slower unpinned: the peer, woken
   * by the early write onto our core, preempts the rest of the read (0.46 context switches a message).
   */
  beginBatch(): void {
    this.isBatching = true;
  }

  endBatch(): void {
    this.isBatching = false;
    this.flush();
  }

  /** Writes what is held and backed up, then ends the socket (FIN after the last frame). */
  end(): void {
    this.flush();
    if (this.backlog && !this.socket.destroyed && !this.socket.writableEnded) this.writeBacklog(this.backlog);
    this.backlog = undefined;
    this.socket.end();
  }

  /**
   * Hands the held bytes to the socket now; while the socket is past its high-water mark they join
   * the backlog instead, which the owner's flush() on the socket's 'drain' writes out.
   */
  flush(): void {
    this.isDirty = false;
    this.closeRegion();
    const { socket } = this;
    if (!this.backlog && this.heldBytes > 0 && socket.writableNeedDrain) this.startBacklog();
    if (this.backlog) this.flushBacklog();
    const held = this.held;
    if (held && held.length > 0) {
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

  /** From now until the socket drains, writes wait in the backlog. False: the answer to the write that found the socket full. */
  private startBacklog(): false {
    this.backlog = new ByteBacklog();
    return false;
  }

  /** A backlog from now on, the bytes held so far first in it. */
  private startBacklogAfterHeld(): false {
    this.startBacklog();
    this.flushBacklog();
    return false;
  }

  /** The held bytes join the backlog (they came after it); the backlog leaves once the socket has drained. */
  private flushBacklog(): void {
    const backlog = this.backlog!;
    const { socket } = this;
    if (socket.destroyed || socket.writableEnded) {
      backlog.clear();
      this.backlog = undefined;
      return;
    }
    this.closeRegion();
    const held = this.held;
    if (held) {
      for (let i = 0; i < held.length; i++) backlog.push(held[i]);
      held.length = 0;
    }
    this.heldBytes = 0;
    if (socket.writableNeedDrain) return;
    this.backlog = undefined;
    this.writeBacklog(backlog);
  }

  /**
   * The backlog's chunks leave in one writev: written one by one to an idle socket, each was a
   * syscall of its own (a large echo backed up alternates a 4-byte header and its payload: 2 per message).
   */
  private writeBacklog(backlog: ByteBacklog): void {
    this.socket.cork();
    backlog.writeTo((bytes) => this.socket.write(bytes));
    this.socket.uncork();
  }

  /**
   * A new shared slab. This queue's frames of this tick, when they end the old one, move to its
   * start: they and the next frame still leave as one view, not copied into one buffer at the flush.
   * They fit: the region is below SPILL_AT_BYTES (it was written past that), the frame at most SLAB_FRAME_MAX_BYTES.
   */
  private startSlab(): void {
    const next = Buffer.allocUnsafeSlow(SLAB_BYTES);
    if (this.region === slab && this.regionEnd === slabUsed) {
      slabUsed = this.regionEnd = slab.copy(next, 0, this.regionStart, this.regionEnd);
      this.region = next;
      this.regionStart = 0;
    } else {
      this.closeRegion();
      slabUsed = 0;
    }
    slab = next;
  }

  /**
   * The region's frames join the held chunks, as one view of the slab. A socket still writing
   * earlier bytes (the kernel has not taken them) will hold them whole while they wait: a small view
   * is copied out (compacted), so a stalled socket keeps no shared slab alive per reply.
   */
  private closeRegion(): void {
    if (this.region === undefined) return;
    const frames = this.region.subarray(this.regionStart, this.regionEnd);
    (this.held ??= []).push(this.waiting(frames));
    this.region = undefined;
  }

  /**
   * Bytes for the socket's queue. Behind bytes the kernel has not taken (a peer not reading) they
   * wait there, below the high-water mark too: a view that is a small part of its allocation (a
   * reply framed in place in a large read, frames in the shared slab) would hold all of it, so it
   * is copied out (compacted). Else it leaves as it is, views and all, without a copy.
   */
  private waiting(bytes: Buffer): Buffer {
    const isWriting = this.isCorked ? this.wasWritingAtCork : this.socket.writableLength > 0;
    return isWriting ? compacted(bytes) : bytes;
  }

  /** Moves the held bytes into the corked socket, where they wait for the end of the tick. */
  private spill(): boolean {
    // Already full: the held bytes join a backlog rather than the socket's queue, an object each.
    if (this.socket.writableNeedDrain) return this.startBacklogAfterHeld();
    this.closeRegion();
    this.wasWritingAtCork = this.socket.writableLength > 0;
    this.socket.cork();
    this.isCorked = true;
    const held = this.held!;
    let isBelowHighWater = true;
    for (let i = 0; i < held.length; i++) isBelowHighWater = this.socket.write(held[i]);
    held.length = 0;
    this.heldBytes = 0;
    if (!isBelowHighWater) this.startBacklog();
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
