const EMPTY = Buffer.alloc(0);

/**
 * The bytes a peer has sent and the parser has not consumed yet, as a list of chunks.
 * Reads return views into the chunks; only a read that spans two chunks copies.
 */
export class ByteQueue {
  private chunks: Buffer[] = [];
  private head = 0; // index of the first unconsumed chunk
  private offset = 0; // bytes already consumed from chunks[head]
  private byteLength = 0;

  get length(): number {
    return this.byteLength;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.byteLength += chunk.length;
  }

  /** The byte at `index` (< length), not consumed: headers are read as integers, without a view. */
  byteAt(index: number): number {
    let i = this.head;
    let at = this.offset + index;
    while (at >= this.chunks[i].length) at -= this.chunks[i++].length;
    return this.chunks[i][at];
  }

  /** Consumes `n` bytes (n ≤ length) without looking at them. */
  skip(n: number): void {
    while (n > 0) {
      const first = this.chunks[this.head];
      const step = Math.min(n, first.length - this.offset);
      this.offset += step;
      this.byteLength -= step;
      n -= step;
      if (this.offset === first.length) this.dropHead();
    }
  }

  /** Exactly `n` bytes (n ≤ length): a view when they sit in one chunk, else one copy. */
  take(n: number): Buffer {
    if (n === 0) return EMPTY;
    const first = this.chunks[this.head];
    if (first.length - this.offset >= n) return this.takeFromHead(n);
    const out = Buffer.allocUnsafe(n);
    let written = 0;
    while (written < n) written += this.takeUpTo(n - written).copy(out, written);
    return out;
  }

  /** Up to `n` bytes from the first chunk, never copied. */
  takeUpTo(n: number): Buffer {
    if (this.byteLength === 0 || n === 0) return EMPTY;
    const first = this.chunks[this.head];
    return this.takeFromHead(Math.min(n, first.length - this.offset));
  }

  /**
   * The chunk holding every unconsumed byte, from `headOffset` on, when they sit in one chunk; else
   * undefined. Not consumed, and no view made: the parser reads it in place.
   */
  soleChunk(): Buffer | undefined {
    return this.chunks.length - this.head === 1 ? this.chunks[this.head] : undefined;
  }

  /** Bytes of the first chunk already consumed. */
  get headOffset(): number {
    return this.offset;
  }

  /** Drops everything, e.g. once the connection has failed. */
  clear(): void {
    this.chunks = [];
    this.head = 0;
    this.offset = 0;
    this.byteLength = 0;
  }

  private takeFromHead(n: number): Buffer {
    const first = this.chunks[this.head];
    const view = first.subarray(this.offset, this.offset + n);
    this.offset += n;
    this.byteLength -= n;
    if (this.offset === first.length) this.dropHead();
    return view;
  }

  private dropHead(): void {
    this.offset = 0;
    this.head++;
    if (this.head === this.chunks.length) {
      this.chunks.length = 0;
      this.head = 0;
    } else if (this.head >= 64) {
      // Compact now and then instead of shift() on every chunk.
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
  }
}
