import { encodeClosePayload } from './close-payload';
import { applyMask } from './masking';
import { Opcode } from './opcode';

export interface FrameOptions {
  opcode: Opcode;
  /** Last fragment of the message (§5.4). Defaults to true. */
  fin?: boolean;
  /** Set by permessage-deflate on the first frame of a compressed message (RFC 7692 §6). */
  rsv1?: boolean;
  /** Client role only (§5.3): 4 bytes; the payload is masked in the copy, never in place. */
  maskKey?: Buffer;
}

/** §5.2: 2 bytes, +2 for a 16-bit length, +8 for a 64-bit length, +4 for a mask key. */
export function frameHeaderBytes(payloadLength: number, isMasked: boolean): number {
  const lengthBytes = payloadLength < 126 ? 0 : payloadLength <= 0xffff ? 2 : 8;
  return 2 + lengthBytes + (isMasked ? 4 : 0);
}

/** Writes the frame header into `target` at `at` and returns where the payload starts. */
function writeHeader(target: Buffer, at: number, payloadLength: number, options: FrameOptions): number {
  const fin = options.fin ?? true;
  target[at] = (fin ? 0x80 : 0) | (options.rsv1 ? 0x40 : 0) | options.opcode;
  const maskBit = options.maskKey ? 0x80 : 0;
  let offset: number;
  // §5.2: the minimal number of bytes MUST be used to encode the length.
  if (payloadLength < 126) {
    target[at + 1] = maskBit | payloadLength;
    offset = at + 2;
  } else if (payloadLength <= 0xffff) {
    target[at + 1] = maskBit | 126;
    target.writeUInt16BE(payloadLength, at + 2);
    offset = at + 4;
  } else {
    target[at + 1] = maskBit | 127;
    target.writeUInt32BE(Math.floor(payloadLength / 0x100000000), at + 2);
    target.writeUInt32BE(payloadLength >>> 0, at + 6);
    offset = at + 10;
  }
  if (options.maskKey) {
    options.maskKey.copy(target, offset, 0, 4);
    offset += 4;
  }
  return offset;
}

const TEXT: FrameOptions = { opcode: Opcode.Text };
const BINARY: FrameOptions = { opcode: Opcode.Binary };

/** Just the header, for a large payload written after it without copying. Server role only. */
export function encodeFrameHeader(payloadLength: number, options: FrameOptions): Buffer {
  if (options.maskKey) throw new TypeError('a masked frame is encoded whole, with encodeFrame()');
  const header = Buffer.allocUnsafe(frameHeaderBytes(payloadLength, false));
  writeHeader(header, 0, payloadLength, options);
  return header;
}

/**
 * A whole unmasked text or binary frame around `payload`, its header written into the bytes just
 * before it in its buffer: one view, no copy. Only for a payload whose frame was read in place
 * (InboundEvent `isInPlace`): its own header sits there, at least as long as this one (§5.2: the
 * same length in as few bytes, plus a mask key from a client), and is done with.
 */
export function frameInPlace(payload: Buffer, opcode: Opcode.Text | Opcode.Binary): Buffer {
  const headerBytes = frameHeaderBytes(payload.length, false);
  const frame = Buffer.from(payload.buffer, payload.byteOffset - headerBytes, headerBytes + payload.length);
  writeHeader(frame, 0, payload.length, opcode === Opcode.Text ? TEXT : BINARY);
  return frame;
}

/**
 * One frame as one buffer: header and payload together, so a broadcast encodes a message
 * once and writes the same bytes to every member's socket.
 */
export function encodeFrame(payload: Buffer, options: FrameOptions): Buffer {
  const frame = Buffer.allocUnsafe(frameHeaderBytes(payload.length, options.maskKey !== undefined) + payload.length);
  const payloadStart = writeHeader(frame, 0, payload.length, options);
  payload.copy(frame, payloadStart);
  if (options.maskKey) applyMask(frame.subarray(payloadStart), options.maskKey);
  return frame;
}

/** A whole text message as one frame, the string written straight into the frame buffer. */
export function encodeTextFrame(text: string, maskKey?: Buffer): Buffer {
  const payloadLength = Buffer.byteLength(text);
  const frame = Buffer.allocUnsafe(frameHeaderBytes(payloadLength, maskKey !== undefined) + payloadLength);
  const payloadStart = writeHeader(frame, 0, payloadLength, maskKey ? { opcode: Opcode.Text, maskKey } : TEXT);
  frame.write(text, payloadStart, 'utf8');
  if (maskKey) applyMask(frame.subarray(payloadStart), maskKey);
  return frame;
}

/**
 * A whole unmasked text frame written into `target` at `offset` (server role), for a caller that
 * batches frames in one buffer. `payloadLength` is Buffer.byteLength(text). Returns where it ends.
 */
export function writeTextFrame(target: Buffer, offset: number, text: string, payloadLength: number): number {
  const payloadStart = writeHeader(target, offset, payloadLength, TEXT);
  return payloadStart + target.write(text, payloadStart, 'utf8');
}

/** §5.5.1: a close frame with an optional code and reason. */
export function encodeClose(code: number, reason = '', maskKey?: Buffer): Buffer {
  return encodeFrame(encodeClosePayload(code, reason), { opcode: Opcode.Close, maskKey });
}

/** Where the payload of one of our own (unmasked, whole) frames starts, and its opcode. */
export function framePayloadOf(frame: Buffer): { opcode: Opcode; payload: Buffer } {
  const length7 = frame[1] & 0x7f;
  const payloadStart = length7 < 126 ? 2 : length7 === 126 ? 4 : 10;
  return { opcode: frame[0] & 0x0f, payload: frame.subarray(payloadStart) };
}
