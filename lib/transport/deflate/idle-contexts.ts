import { DeflateRaw, InflateRaw } from 'node:zlib';

type ZlibStream = DeflateRaw | InflateRaw;

/**
 * zlib contexts kept for messages compressed or inflated on their own (no context takeover):
 * reset and reused, so such a message allocates no zlib state (a deflate context is 256 KiB at
 * memLevel 8, made and freed per message before; 1.5-2x the CPU of a 4 KiB message). At most
 * `maxIdlePerKey` per set of parameters, the zlib jobs that run at once (zlib-pool.ts).
 */
export class IdleContexts<T extends ZlibStream> {
  private readonly idle = new Map<string, T[]>();

  constructor(private readonly maxIdlePerKey: number) {}

  /** An idle context made with `key`'s parameters, or a new one from `make`. */
  take(key: string, make: () => T): T {
    const stream = this.idle.get(key)?.pop();
    if (stream) return stream;
    const made = make();
    // A final block (BFINAL, RFC 1951 §3.2.3) ends zlib's stream: it can never be reused.
    made.once('end', () => this.forget(key, made));
    return made;
  }

  /** The job on `stream` finished well: it is reset and kept, unless it ended or enough are kept. */
  give(key: string, stream: T): void {
    const list = this.idle.get(key) ?? [];
    if (stream.destroyed || stream.readableEnded || stream.writableEnded || list.length >= this.maxIdlePerKey) return void stream.close();
    stream.reset();
    list.push(stream);
    this.idle.set(key, list);
  }

  private forget(key: string, stream: T): void {
    const list = this.idle.get(key);
    const at = list?.indexOf(stream) ?? -1;
    if (at >= 0) list?.splice(at, 1);
    stream.close();
  }
}
