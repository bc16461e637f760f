import { constants, createDeflateRaw, DeflateRaw, deflateRaw } from 'node:zlib';
import { DeflateParams } from '../../protocol/extensions/permessage-deflate';
import { zlibPool } from './zlib-pool';

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
    const { level, memLevel, serverMaxWindowBits: windowBits } = this.params;
    const stream = (this.stream ??= createDeflateRaw({ level, memLevel, windowBits }));
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      const onData = (chunk: Buffer): void => void chunks.push(chunk);
      const onError = (error: Error): void => {
        stream.off('data', onData);
        this.stream = undefined;
        reject(error);
      };
      stream.on('data', onData);
      stream.once('error', onError);
      stream.write(payload);
      stream.flush(constants.Z_SYNC_FLUSH, () => {
        stream.off('data', onData);
        stream.off('error', onError);
        resolve(withoutTail(Buffer.concat(chunks)));
      });
    });
  }
}

/** One message compressed on its own: what a shared broadcast compressor uses too. */
export function deflateAlone(payload: Buffer, params: Pick<DeflateParams, 'level' | 'memLevel' | 'serverMaxWindowBits'>): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    deflateRaw(
      payload,
      { level: params.level, memLevel: params.memLevel, windowBits: params.serverMaxWindowBits, finishFlush: constants.Z_SYNC_FLUSH },
      (error, compressed) => (error ? reject(error) : resolve(withoutTail(compressed))),
    );
  });
}

// §7.2.1: the compressed payload ends with the sync flush's empty block, 00 00 ff ff, which is removed.
const withoutTail = (compressed: Buffer): Buffer =>
  compressed.length >= 4 && compressed.readUInt32BE(compressed.length - 4) === 0x0000ffff ? compressed.subarray(0, compressed.length - 4) : compressed;
