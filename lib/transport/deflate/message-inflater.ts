import { isUtf8 } from 'node:buffer';
import { constants, createInflateRaw, InflateRaw, inflateRawSync } from 'node:zlib';
import { CloseCode } from '../../protocol/close-code';
import { DeflateParams } from '../../protocol/extensions/permessage-deflate';
import { invalidUtf8 } from '../../protocol/message-assembler';
import { ProtocolError } from '../../protocol/protocol-error';
import { IdleContexts } from './idle-contexts';
import { ZLIB_CONCURRENCY, ZLIB_ON_LOOP_MAX_BYTES, zlibPool } from './zlib-pool';

/** RFC 7692 §7.2.2: the sender removed these 4 octets; the receiver appends them before inflating. */
export const DEFLATE_TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);
// A 15-bit window reads data made with any smaller one, and zlib refuses 8 for raw inflate.
const INFLATE_WINDOW_BITS = 15;
const INFLATE_KEY = String(INFLATE_WINDOW_BITS);
// Every write ends in a sync flush, so a message (with its tail) is one zlib job, not two writes and a flush.
const newInflater = (): InflateRaw => createInflateRaw({ windowBits: INFLATE_WINDOW_BITS, flush: constants.Z_SYNC_FLUSH });
const idleInflaters = new IdleContexts<InflateRaw>(ZLIB_CONCURRENCY);
/** Chat-like JSON inflates to about 7 times its compressed size. */
const INFLATE_RATIO_GUESS = 8;

/**
 * Inflates one connection's messages. Inflation stops as soon as the output passes the
 * message limit (1009), so a small message that would inflate to gigabytes never gets there.
 */
export class MessageInflater {
  private stream: InflateRaw | undefined;

  constructor(
    private readonly params: DeflateParams,
    private readonly maxMessageBytes: number,
  ) {}

  /**
   * The message inflated at once, on the event loop, when it is small and stands alone (no context
   * takeover): a text one is validated and decoded. Undefined when it inflates past ZLIB_ON_LOOP_MAX_BYTES
   * (below the limit): inflate() does it on the thread pool. Throws the ProtocolError it fails with.
   */
  inflateNow(data: Buffer, isText: boolean): string | Buffer | undefined {
    if (!this.params.clientNoContextTakeover || data.length > ZLIB_ON_LOOP_MAX_BYTES) return undefined;
    const isWithinLimit = this.maxMessageBytes <= ZLIB_ON_LOOP_MAX_BYTES;
    let inflated: Buffer;
    try {
      // One zlib context made and freed per message: cheaper than a thread-pool trip for small messages.
      inflated = inflateRawSync(withTail(data), {
        windowBits: INFLATE_WINDOW_BITS,
        finishFlush: constants.Z_SYNC_FLUSH,
        maxOutputLength: isWithinLimit ? this.maxMessageBytes : ZLIB_ON_LOOP_MAX_BYTES,
        // An output buffer for what JSON usually inflates to (more when needed), not zlib's default 16 KiB per message.
        chunkSize: Math.min(ZLIB_ON_LOOP_MAX_BYTES, Math.max(constants.Z_MIN_CHUNK, data.length * INFLATE_RATIO_GUESS)),
      });
    } catch (error) {
      if (!isWithinLimit && (error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') return undefined;
      throw this.failure(error as Error);
    }
    // zlib's output buffer belongs to this message alone, but its unused part was never cleared: binary is copied out.
    return isText ? decodedText(inflated) : Buffer.from(inflated);
  }

  inflate(data: Buffer): Promise<Buffer> {
    return zlibPool.run(() => (this.params.clientNoContextTakeover ? this.inflateAlone(data) : this.inflateWithContext(data)));
  }

  /** Releases the zlib context, if one was made. */
  close(): void {
    this.stream?.close();
    this.stream = undefined;
  }

  /** No context takeover: each message on its own, on a reset context kept between jobs (idle-contexts.ts). */
  private async inflateAlone(data: Buffer): Promise<Buffer> {
    const stream = idleInflaters.take(INFLATE_KEY, newInflater);
    const inflated = await this.inflateOn(stream, data).catch((error: unknown) => {
      stream.close();
      throw error;
    });
    idleInflaters.give(INFLATE_KEY, stream);
    return inflated;
  }

  /** Context takeover: one stream for the connection's lifetime, flushed after each message. */
  private async inflateWithContext(data: Buffer): Promise<Buffer> {
    const stream = (this.stream ??= this.newStream());
    const inflated = await this.inflateOn(stream, data).catch((error: unknown) => {
      this.dropStream(stream);
      throw error;
    });
    // RFC 7692 §7.2.3.3: a message may end with a final block; the context ends with it.
    if (stream.readableEnded || stream.writableEnded || stream.destroyed) this.dropStream(stream);
    return inflated;
  }

  /** Inflates one message on `stream`; past the message limit the stream is destroyed (1009). */
  private inflateOn(stream: InflateRaw, data: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let total = 0;
      const cleanup = (): void => {
        stream.off('data', onData);
        stream.off('error', onError);
      };
      const onData = (chunk: Buffer): void => {
        total += chunk.length;
        if (total <= this.maxMessageBytes) return void chunks.push(chunk);
        cleanup();
        stream.destroy();
        reject(tooBig(this.maxMessageBytes));
      };
      const onError = (error: Error): void => {
        cleanup();
        reject(this.failure(error));
      };
      stream.on('data', onData);
      stream.on('error', onError);
      stream.write(withTail(data), (error) => {
        cleanup();
        if (error) return reject(this.failure(error));
        // A copy, never zlib's chunk: that is a view into the context's output buffer, which the next message
        // inflated there (another connection's, on a shared context) writes to; a handler that transferred
        // its memory away (postMessage) would abort the process in zlib, and one reading `.buffer` would see it.
        if (total <= this.maxMessageBytes) resolve(Buffer.concat(chunks, total));
      });
    });
  }

  private newStream(): InflateRaw {
    const stream = newInflater();
    // A final (BFINAL) block ends zlib's stream: the next message starts a new one.
    stream.once('end', () => {
      if (this.stream === stream) this.stream = undefined;
    });
    return stream;
  }

  private dropStream(stream: InflateRaw): void {
    if (this.stream === stream) this.stream = undefined;
    stream.close();
  }

  private failure(error: Error & { code?: string }): ProtocolError {
    if (error.code === 'ERR_BUFFER_TOO_LARGE') return tooBig(this.maxMessageBytes);
    return new ProtocolError(CloseCode.InvalidPayload, 'INVALID_COMPRESSED_DATA', 'compressed message is not valid DEFLATE data');
  }
}

/** §7.2.2: the message with the 4 octets the sender removed, in one buffer so that it is one zlib job (a copy of the compressed bytes). */
function withTail(data: Buffer): Buffer {
  const bytes = Buffer.allocUnsafe(data.length + DEFLATE_TAIL.length);
  data.copy(bytes);
  DEFLATE_TAIL.copy(bytes, data.length);
  return bytes;
}

const tooBig = (maxMessageBytes: number): ProtocolError =>
  new ProtocolError(CloseCode.MessageTooBig, 'MESSAGE_TOO_BIG', `message inflates past the limit of ${maxMessageBytes} bytes`);

/** An inflated message as delivered: a text one is checked as UTF-8 whole, now that it is (§8.1). */
export function inflatedMessage(inflated: Buffer, isText: boolean): string | Buffer {
  return isText ? decodedText(inflated) : inflated;
}

function decodedText(utf8: Buffer): string {
  if (!isUtf8(utf8)) throw invalidUtf8();
  return utf8.toString('utf8');
}
