import { DeflateParams } from '../../protocol/extensions/permessage-deflate';
import { encodeFrame, framePayloadOf } from '../../protocol/frame-writer';
import { deflateAlone, deflateAloneNow } from './message-deflater';
import { zlibPool } from './zlib-pool';

/**
 * Compressed variants of frames that are sent to many connections (broadcasts): without
 * context takeover a message compresses to the same bytes for every connection with the same
 * window and level, so it is compressed once per variant and shared. Entries live as long as
 * the frame itself.
 */
const variants = new WeakMap<Buffer, Map<string, Buffer | Promise<Buffer>>>();

/** The compressed frame: made at once when the message is small (deflateAloneNow), else a promise of it. */
export function sharedCompressedFrame(frame: Buffer, params: DeflateParams): Buffer | Promise<Buffer> {
  const key = `${params.serverMaxWindowBits}/${params.level}/${params.memLevel}`;
  let byParams = variants.get(frame);
  if (!byParams) variants.set(frame, (byParams = new Map()));
  let compressed = byParams.get(key);
  if (!compressed) {
    compressed = compressedFrame(frame, params);
    byParams.set(key, compressed);
  }
  return compressed;
}

/** RFC 7692 §6: RSV1 on the (single) frame marks the message compressed. */
export function compressedFrame(frame: Buffer, params: DeflateParams): Buffer | Promise<Buffer> {
  const { opcode, payload } = framePayloadOf(frame);
  const deflated = deflateAloneNow(payload, params);
  if (deflated) return encodeFrame(deflated, { opcode, rsv1: true });
  // Through the pool as any zlib job: zlib makes its context when the job is made, not when it runs.
  return zlibPool.run(() => deflateAlone(payload, params)).then((bytes) => encodeFrame(bytes, { opcode, rsv1: true }));
}
