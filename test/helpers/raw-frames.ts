// An independent RFC 6455 frame codec for black-box tests. It shares no code with lib/:
// a conformance suite that decoded frames with the engine's own parser would prove nothing.
import { randomBytes } from 'node:crypto';

export { hex } from './hex';

/** RFC 6455 §5.2 opcodes, as plain numbers so that reserved ones can be sent too. */
export const OP = {
  continuation: 0x0,
  text: 0x1,
  binary: 0x2,
  close: 0x8,
  ping: 0x9,
  pong: 0xa,
} as const;

export interface FrameSpec {
  opcode: number;
  payload?: Buffer | string;
  fin?: boolean;
  /** The three RSV bits as a number 0..7: 4 = RSV1, 2 = RSV2, 1 = RSV3. */
  rsv?: number;
  mask?: boolean;
  maskKey?: Buffer;
}

export interface Frame {
  fin: boolean;
  rsv: number;
  opcode: number;
  payload: Buffer;
}

const payloadOf = (payload: Buffer | string | undefined): Buffer =>
  typeof payload === 'string' ? Buffer.from(payload, 'utf8') : (payload ?? Buffer.alloc(0));

const applyMask = (bytes: Buffer, maskKey: Buffer): Buffer => {
  const out = Buffer.allocUnsafe(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = bytes[i] ^ maskKey[i & 3];
  return out;
};

/** §5.2 header in the minimal length form: 7 bits, or 126 + 16 bits, or 127 + 64 bits; then the mask key. */
export const encodeHeader = (spec: FrameSpec, payloadLength: bigint, maskKey: Buffer | null): Buffer => {
  const first = ((spec.fin ?? true) ? 0x80 : 0) | (((spec.rsv ?? 0) & 7) << 4) | (spec.opcode & 0x0f);
  const maskBit = maskKey ? 0x80 : 0;
  let header: Buffer;
  if (payloadLength <= 125n) {
    header = Buffer.from([first, maskBit | Number(payloadLength)]);
  } else if (payloadLength <= 0xffffn) {
    header = Buffer.from([first, maskBit | 126, 0, 0]);
    header.writeUInt16BE(Number(payloadLength), 2);
  } else {
    header = Buffer.from([first, maskBit | 127, 0, 0, 0, 0, 0, 0, 0, 0]);
    header.writeBigUInt64BE(payloadLength, 2);
  }
  return maskKey ? Buffer.concat([header, maskKey]) : header;
};

/** A whole client frame, masked with a fresh random key unless told otherwise (§5.3). */
export const encodeFrame = (spec: FrameSpec): Buffer => {
  const payload = payloadOf(spec.payload);
  const isMasked = spec.mask ?? true;
  const maskKey = isMasked ? (spec.maskKey ?? randomBytes(4)) : null;
  const header = encodeHeader(spec, BigInt(payload.length), maskKey);
  return Buffer.concat([header, maskKey ? applyMask(payload, maskKey) : payload]);
};

/** §5.5.1 close payload: a 2-byte code, then the reason. `null` gives an empty payload. */
export const closePayload = (code: number | null, reason: Buffer | string = ''): Buffer => {
  if (code === null) return Buffer.alloc(0);
  const head = Buffer.alloc(2);
  head.writeUInt16BE(code, 0);
  return Buffer.concat([head, payloadOf(reason)]);
};

/** One message as fragments (§5.4): the first frame keeps `opcode`, the rest are continuations, the last has FIN. */
export const encodeFragments = (opcode: number, fragments: readonly Buffer[]): Buffer[] =>
  fragments.map((payload, i) =>
    encodeFrame({ opcode: i === 0 ? opcode : OP.continuation, payload, fin: i === fragments.length - 1 }),
  );

/** Splits `bytes` into pieces of `pieceBytes` (the last may be shorter); an empty input gives one empty piece. */
export const splitEvery = (bytes: Buffer, pieceBytes: number): Buffer[] => {
  const pieces: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += pieceBytes) pieces.push(bytes.subarray(offset, offset + pieceBytes));
  return pieces.length > 0 ? pieces : [bytes];
};

/** The server itself broke a framing rule of RFC 6455. */
class ServerFramingError extends Error {}

interface PendingHeader {
  fin: boolean;
  rsv: number;
  opcode: number;
  payloadLength: number;
}

/**
 * Decodes server → client frames. Server frames must be unmasked (§5.1) and use the minimal
 * length form (§5.2); control frames carry at most 125 bytes and are never fragmented (§5.5).
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private bufferedBytes = 0;
  private header: PendingHeader | null = null;

  /** Feeds bytes in and returns every frame they complete. Throws ServerFramingError. */
  push(chunk: Buffer): Frame[] {
    this.chunks.push(chunk);
    this.bufferedBytes += chunk.length;
    const frames: Frame[] = [];
    for (;;) {
      const header = this.header ?? this.readHeader();
      if (!header || this.bufferedBytes < header.payloadLength) break;
      frames.push({ fin: header.fin, rsv: header.rsv, opcode: header.opcode, payload: this.take(header.payloadLength) });
      this.header = null;
    }
    return frames;
  }

  private readHeader(): PendingHeader | null {
    if (this.bufferedBytes < 2) return null;
    const start = this.peek(2);
    const isMasked = (start[1] & 0x80) !== 0;
    const lengthCode = start[1] & 0x7f;
    const headerBytes = lengthCode === 126 ? 4 : lengthCode === 127 ? 10 : 2;
    if (this.bufferedBytes < headerBytes) return null;
    if (isMasked) throw new ServerFramingError('the server sent a masked frame (RFC 6455 §5.1 forbids it)');
    const bytes = this.take(headerBytes);
    let payloadLength = lengthCode;
    if (lengthCode === 126) {
      payloadLength = bytes.readUInt16BE(2);
      if (payloadLength < 126) throw new ServerFramingError(`the server used a 16-bit length for ${payloadLength} bytes (§5.2: minimal form)`);
    } else if (lengthCode === 127) {
      const length = bytes.readBigUInt64BE(2);
      if (length <= 0xffffn) throw new ServerFramingError(`the server used a 64-bit length for ${length} bytes (§5.2: minimal form)`);
      if (length > 1n << 32n) throw new ServerFramingError(`the server declared a ${length}-byte frame`);
      payloadLength = Number(length);
    }
    const fin = (bytes[0] & 0x80) !== 0;
    const opcode = bytes[0] & 0x0f;
    if (opcode >= 0x8 && (!fin || payloadLength > 125)) {
      throw new ServerFramingError(`the server sent a control frame with fin=${fin} and ${payloadLength} bytes (§5.5)`);
    }
    this.header = { fin, rsv: (bytes[0] >> 4) & 7, opcode, payloadLength };
    return this.header;
  }

  /** The first `byteCount` buffered bytes, not consumed; chunks are never empty, so `byteCount` chunks suffice. */
  private peek(byteCount: number): Buffer {
    return this.chunks[0].length >= byteCount ? this.chunks[0] : Buffer.concat(this.chunks.slice(0, byteCount)).subarray(0, byteCount);
  }

  private take(byteCount: number): Buffer {
    this.bufferedBytes -= byteCount;
    const out = Buffer.allocUnsafe(byteCount);
    let filled = 0;
    while (filled < byteCount) {
      const chunk = this.chunks[0];
      const used = Math.min(chunk.length, byteCount - filled);
      chunk.copy(out, filled, 0, used);
      filled += used;
      if (used === chunk.length) this.chunks.shift();
      else this.chunks[0] = chunk.subarray(used);
    }
    return out;
  }
}
