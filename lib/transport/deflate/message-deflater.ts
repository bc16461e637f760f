import { constants, createDeflateRaw, DeflateRaw, deflateRawSync } from 'node:zlib';
import { DeflateParams } from '../../protocol/extensions/permessage-deflate';
import { IdleContexts } from './idle-contexts';
import { ZLIB_CONCURRENCY, ZLIB_ON_LOOP_MAX_BYTES, zlibPool } from './zlib-pool';

type CompressionParams = Pick<DeflateParams, 'level' | 'memLevel' | 'serverMaxWindowBits'>;

const idleDeflaters = new IdleContexts<DeflateRaw>(ZLIB_CONCURRENCY);

/**
 * Compresses the messages one connection sends (RFC 7692 §7.2.1): deflate with a sync flush,
 * then drop the trailing 00 00 ff ff. Without context takeover no zlib state outlives a message.
 */
export class MessageDeflater {
  private stream: DeflateRaw | undefined;

  constructor(private readonly params: DeflateParams) {}

  deflate(payload: Buffer): Promise<Buffer> {
    return zlibPool.run(() => (this.params.serverNoContextTakeover ? deflateAlone(payload, this.params) : this.deflateWithContext(payload)));
  }

  close(): void {
    this.stream?.close();
    this.stream = undefined;
  }

  private deflateWithContext(payload: Buffer): Promise<Buffer> {
    const stream = (this.stream ??= newDeflater(this.params));
    return deflateOn(stream, payload).catch((error: unknown) => {
      this.stream = undefined;
      throw error;
    });
  }
}

/** A message compressed on its own at once, on the event loop, when it is small; undefined when it goes through the thread pool. */
export function deflateAloneNow(payload: Buffer, { level, memLevel, serverMaxWindowBits }: CompressionParams): Buffer | undefined {
  if (payload.length > ZLIB_ON_LOOP_MAX_BYTES) return undefined;
  // An output buffer of about the payload's size (more when needed), not zlib's default 16 KiB per message.
  const chunkSize = Math.max(constants.Z_MIN_CHUNK, payload.length + 64);
  const windowBits = Math.min(serverMaxWindowBits, windowBitsFor(payload.length));
  return withoutTail(deflateRawSync(payload, { level, memLevel, windowBits, finishFlush: constants.Z_SYNC_FLUSH, chunkSize }));
}

/** zlib reaches back at most its window less 262 bytes (MIN_LOOKAHEAD); a window past what a message alone can use only costs its set-up. */
const ZLIB_MIN_LOOKAHEAD_BYTES = 262;
// §7.1.2.1: any window up to the agreed server_max_window_bits may be used; zlib's raw deflate starts at 9.
const windowBitsFor = (payloadLength: number): number => Math.max(9, Math.ceil(Math.log2(payloadLength + ZLIB_MIN_LOOKAHEAD_BYTES)));

/** One message compressed on its own, on a reused context (idle-contexts.ts): what a shared broadcast compressor uses too. */
export async function deflateAlone(payload: Buffer, params: CompressionParams): Promise<Buffer> {
  const key = `${params.serverMaxWindowBits}/${params.level}/${params.memLevel}`;
  const stream = idleDeflaters.take(key, () => newDeflater(params));
  const compressed = await deflateOn(stream, payload).catch((error: unknown) => {
    stream.close();
    throw error;
  });
  idleDeflaters.give(key, stream);
  return compressed;
}

// Every write ends in a sync flush (§7.2.1), so a message is one zlib job (one thread-pool trip), not a write and a flush.
const newDeflater = ({ level, memLevel, serverMaxWindowBits: windowBits }: CompressionParams): DeflateRaw =>
  createDeflateRaw({ level, memLevel, windowBits, flush: constants.Z_SYNC_FLUSH });

/** Compresses one message on `stream` (§7.2.1). zlib's output is used as it is: it never writes over bytes it handed out. */
function deflateOn(stream: DeflateRaw, payload: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const onData = (chunk: Buffer): void => void chunks.push(chunk);
    const onError = (error: Error): void => {
      stream.off('data', onData);
      reject(error);
    };
    stream.on('data', onData);
    stream.once('error', onError);
    stream.write(payload, (error) => {
      stream.off('data', onData);
      stream.off('error', onError);
      if (error) reject(error);
      else resolve(withoutTail(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    });
  });
}

// §7.2.1: the compressed payload ends with the sync flush's empty block, 00 00 ff ff, which is removed.
const withoutTail = (compressed: Buffer): Buffer =>
  compressed.length >= 4 && compressed.readUInt32BE(compressed.length - 4) === 0x0000ffff ? compressed.subarray(0, compressed.length - 4) : compressed;
