/**
 * At most `concurrency` zlib jobs at once across every connection: libuv has 4 threads by
 * default, and a burst of compressed messages must not take all of them from fs and dns.
 */
export class ZlibPool {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly concurrency: number) {}

  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.running++;
    try {
      return await job();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }
}

/** zlib jobs at once, process-wide. */
export const ZLIB_CONCURRENCY = 4;

/** One pool for the process. */
export const zlibPool = new ZlibPool(ZLIB_CONCURRENCY);

/**
 * Messages up to this size are compressed and inflated synchronously, on the event loop, each on a
 * zlib context of its own (uWebSockets does all of it on the loop): a thread-pool trip costs more
 * than their zlib work (4 KiB of JSON: 40 µs CPU a round trip instead of 58-80 µs, pinned to one core).
 * At most about 0.3 ms of the loop per message; larger ones go through this pool.
 */
export const ZLIB_ON_LOOP_MAX_BYTES = 16 * 1024;

/**
 * What one socket read may have inflated on the loop: past it, the read's other compressed messages
 * go through the pool, whose backlog pauses the socket. Without it, one 64 KiB read of 34-byte
 * messages that each inflate to 16 KiB held the loop for ~100 ms and made 27 MB.
 */
export const ZLIB_ON_LOOP_BYTES_PER_READ = 256 * 1024;
