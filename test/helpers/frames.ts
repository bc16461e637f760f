import { FrameParser } from '../../lib/protocol/frame-parser';
import { encodeFrame } from '../../lib/protocol/frame-writer';
import { InboundEvent } from '../../lib/protocol/inbound-event';
import { Opcode } from '../../lib/protocol/opcode';
import { hex } from './hex';

/** The mask key of the RFC 6455 §5.7 examples. */
export const RFC_MASK_KEY = hex('37 fa 21 3d');

export interface FrameBits {
  /** Defaults to true. */
  fin?: boolean;
  rsv1?: boolean;
  rsv2?: boolean;
  rsv3?: boolean;
}

/** Any opcode number, known or reserved, so tests can build frames the writer would never make. */
function frame(opcode: number, payload: Buffer | string, bits: FrameBits, maskKey: Buffer | undefined): Buffer {
  const bytes = encodeFrame(typeof payload === 'string' ? Buffer.from(payload) : payload, {
    opcode: (opcode & 0x0f) as Opcode,
    fin: bits.fin ?? true,
    rsv1: bits.rsv1,
    maskKey,
  });
  if (bits.rsv2) bytes[0] |= 0x20;
  if (bits.rsv3) bytes[0] |= 0x10;
  return bytes;
}

/** A frame as a client sends it (§5.3): masked, with `maskKey` or the RFC's example key. */
export function maskedFrame(opcode: number, payload: Buffer | string = Buffer.alloc(0), bits: FrameBits = {}, maskKey = RFC_MASK_KEY): Buffer {
  return frame(opcode, payload, bits, maskKey);
}

/** A frame as a server sends it: unmasked. */
export function unmaskedFrame(opcode: number, payload: Buffer | string = Buffer.alloc(0), bits: FrameBits = {}): Buffer {
  return frame(opcode, payload, bits, undefined);
}

/** `length` bytes counting 0, 1, 2 … 255, 0 …, so a misplaced byte shows. */
export function pattern(length: number): Buffer {
  const bytes = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) bytes[i] = i & 0xff;
  return bytes;
}

export interface RoundTripFrame {
  opcode: Opcode.Text | Opcode.Binary | Opcode.Ping | Opcode.Pong;
  payload: Buffer;
  maskKey?: Buffer;
}

/**
 * Codec round trip (STYLE.md §7): `frame` encodes to exactly `bytes`, and `bytes` parse back to
 * the frame's message (a server parses masked frames, a client unmasked ones).
 */
export function expectRoundTrip(frameToEncode: RoundTripFrame, bytes: Buffer): void {
  const { opcode, payload, maskKey } = frameToEncode;
  expect(encodeFrame(payload, { opcode, maskKey })).toEqual(bytes);

  const parser = new FrameParser({ role: maskKey ? 'server' : 'client', maxMessageBytes: 1 << 20 });
  const events = parser.push(Buffer.from(bytes));
  const expected: InboundEvent =
    opcode === Opcode.Text ? { kind: 'text', text: payload.toString('utf8') }
      // Read whole in one push: in place up to a 16-bit length (the parser's fast path).
      : opcode === Opcode.Binary ? { kind: 'binary', data: payload, isInPlace: payload.length <= 0xffff || undefined }
        : { kind: opcode === Opcode.Ping ? 'ping' : 'pong', payload };
  expect(events).toEqual([expected]);
}
