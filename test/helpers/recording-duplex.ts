import { Duplex } from 'node:stream';

/**
 * A Duplex that records what is written to it, as a stand-in for a socket in unit tests.
 * `writevCalls` shows which writes reached it together (cork/uncork); with `isStalled` set,
 * writes are held (like a kernel buffer that is full) until release() is called.
 */
export class RecordingDuplex extends Duplex {
  readonly chunks: Buffer[] = [];
  readonly writevCalls: Buffer[][] = [];
  isStalled = false;
  private readonly held: Array<() => void> = [];

  constructor() {
    super({ highWaterMark: 16 * 1024 });
  }

  get written(): Buffer {
    return Buffer.concat(this.chunks);
  }

  /** Completes every held write. */
  release(): void {
    this.isStalled = false;
    for (const complete of this.held.splice(0)) complete();
  }

  override _read(): void {
    // Nothing to read: the tests only look at what is written.
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.chunks.push(chunk);
    this.complete(callback);
  }

  override _writev(chunks: Array<{ chunk: Buffer }>, callback: (error?: Error | null) => void): void {
    const buffers = chunks.map(({ chunk }) => chunk);
    this.writevCalls.push(buffers);
    this.chunks.push(...buffers);
    this.complete(callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    callback();
  }

  private complete(callback: () => void): void {
    if (this.isStalled) this.held.push(callback);
    else callback();
  }
}
