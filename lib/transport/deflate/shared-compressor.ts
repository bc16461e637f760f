import { DeflateParams } from '../../protocol/extensions/permessage-deflate';
import { encodeFrame, framePayloadOf } from '../../protocol/frame-writer';
import { deflateAlone } from './message-deflater';
import { zlibPool } from './zlib-pool';

/**
 * Compressed variants of frames that are sent to many connections (broadcasts): without
 * context takeover a message compresses to the same bytes for every connection with the same
 * window and level, so it is compressed once per variant and shared. Entries live as long as
 * the frame itself.
 */
const variants = new WeakMap<Buffer, Map<string, Promise<Buffer>>>();

export function sharedCompressedFrame(frame: Buffer, params: DeflateParams): Promise<Buffer> {
  const key = `${params.serverMaxWindowBits}/${params.level}/${params.memLevel}`;
  let byParams = variants.get(frame);
  if (!byParams) variants.set(frame, (byParams = new Map()));
  let compressed = byParams.get(key);
  if (!compressed) {
    const { opcode, payload } = framePayloadOf(frame);
    // RFC 7692 §6: RSV1 on the (single) frame marks the message compressed.
    // Through the pool as any zlib job: zlib makes its context when the job is made, not when it runs.
    compressed = zlibPool.run(() => deflateAlone(payload, params)).then((deflated) => encodeFrame(deflated, { opcode, rsv1: true }));
    byParams.set(key, compressed);
  }
  return compressed;
}
