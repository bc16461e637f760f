/** Chunks below this are copied together: each queued chunk costs an object of ~100 B or more. */
const COPY_BELOW_BYTES = 4 * 1024;
/**
 * Slabs start small and double up to the largest: a few bytes backed up on each of many slow
 * connections must not take 64 KiB each (10,000 backlogs of 2 bytes held 625 MiB of slabs).
 */
const FIRST_SLAB_BYTES = 1024;
const MAX_SLAB_BYTES = 64 * 1024;

/**
 * Bytes that will wait, as they are or copied: a view that is a small part of its allocation (an
 * echo of a text from a read of other frames, a frame in a shared slab) would hold all of it while
 * it waits, so it is copied, and a chunk holds at most twice its bytes.
 */
export const compacted = (bytes: Buffer): Buffer => (bytes.length * 2 >= bytes.buffer.byteLength ? bytes : Buffer.from(bytes));

/**
 * Bytes waiting for a backed-up socket, in order. Small chunks are copied into slabs, so a flood
 * of tiny frames costs its bytes and not an object each (3-byte echoes queued one object each cost
 * about 100 times their size); a large chunk is kept as it is, its object a small share of it.
 */
export class ByteBacklog {
  byteLength = 0;
  private readonly chunks: Buffer[] = [];
  private slab: Buffer | undefined;
  /** The slab's bytes [slabStart, slabUsed) are not yet in `chunks`. */
  private slabStart = 0;
  private slabUsed = 0;
  private nextSlabBytes = FIRST_SLAB_BYTES;

  /**
   * `isShared`: other queues hold the same bytes (a broadcast frame), or they were copied together
   * already: kept by reference, a slot in an array, where a copy would cost its bytes on every
   * slow connection.
   */
  push(bytes: Buffer, isShared = false): void {
    this.byteLength += bytes.length;
    if (isShared || bytes.length >= COPY_BELOW_BYTES) {
      this.sealSlab();
      this.chunks.push(isShared ? bytes : compacted(bytes));
      return;
    }
    if (this.slab === undefined || this.slab.length - this.slabUsed < bytes.length) {
      this.sealSlab();
      this.slab = Buffer.allocUnsafeSlow(Math.max(this.nextSlabBytes, bytes.length));
      this.nextSlabBytes = Math.min(2 * this.nextSlabBytes, MAX_SLAB_BYTES);
      this.slabStart = this.slabUsed = 0;
    }
    this.slab.set(bytes, this.slabUsed);
    this.slabUsed += bytes.length;
  }

  /** Hands every chunk to `write` (a socket's, a send queue's), in order, and empties the backlog. */
  writeTo(write: (bytes: Buffer) => unknown): void {
    this.sealSlab();
    for (let i = 0; i < this.chunks.length; i++) write(this.chunks[i]);
    this.clear();
  }

  clear(): void {
    this.chunks.length = 0;
    this.byteLength = 0;
    this.slab = undefined;
    this.nextSlabBytes = FIRST_SLAB_BYTES;
  }

  private sealSlab(): void {
    if (this.slab === undefined || this.slabUsed === this.slabStart) return;
    this.chunks.push(this.slab.subarray(this.slabStart, this.slabUsed));
    this.slabStart = this.slabUsed;
  }
}
