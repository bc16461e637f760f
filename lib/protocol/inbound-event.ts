import { ProtocolError } from './protocol-error';

/** What the parser makes of the bytes a peer sent: one complete message, a control frame, or a failure. */
export type InboundEvent =
  | TextEvent
  | BinaryEvent
  /** RFC 7692: a message whose first frame had RSV1; the transport inflates it (and validates text then). */
  | { kind: 'compressed'; isText: boolean; data: Buffer }
  | { kind: 'ping' | 'pong'; payload: Buffer }
  /** code is CloseCode.NoStatus (1005) when the close frame had an empty payload (§7.1.5). */
  | { kind: 'close'; code: number; reason: string }
  | { kind: 'failed'; error: ProtocolError };

/**
 * `isInPlace`: the payload is still in the read it arrived in, right after its own frame header,
 * which the parser is done with: a reply of the same length can be framed where that header was
 * (frameInPlace in frame-writer.ts), without a buffer or a copy of its own. Set for a whole frame
 * read in place; undefined otherwise.
 */
export interface BinaryEvent {
  kind: 'binary';
  data: Buffer;
  isInPlace?: true;
}

/** A text message; `utf8` is the payload it was decoded from, kept for large ones only (see textEvent); `isInPlace` as for BinaryEvent, about `utf8`. */
export interface TextEvent {
  kind: 'text';
  text: string;
  utf8?: Buffer;
  isInPlace?: true;
}

/** From this size a text message keeps its bytes: sent back as it is, it leaves from them, neither encoded again nor copied. */
const UTF8_KEPT_FROM_BYTES = 2 * 1024;

/**
 * Node decodes latin1 from this size (its EXTERN_APEX, 0xFBEE9) into an external string: memory
 * outside the V8 heap that V8 counts as external pressure. One per 1 MiB message made every later
 * message slower (raw echo 1 MiB text ~560 -> ~300 msgs/s pinned, and the binary cells run after it
 * in the same process dropped too); UTF-8 decoding makes an ordinary heap string.
 */
const LATIN1_BELOW_BYTES = 0xfbee9;

/**
 * The event of a valid UTF-8 payload (checked by the caller, §8.1); `isInPlace` as in BinaryEvent.
 * `isAscii`: every byte is below 0x80, so latin1 decodes it the same, without UTF-8 decoding (4×
 * faster at 64 KiB), below LATIN1_BELOW_BYTES.
 */
export function textEvent(utf8: Buffer, isAscii: boolean, isInPlace?: true): TextEvent {
  const text = utf8.toString(isAscii && utf8.length < LATIN1_BELOW_BYTES ? 'latin1' : 'utf8');
  return utf8.length >= UTF8_KEPT_FROM_BYTES ? { kind: 'text', text, utf8, isInPlace } : { kind: 'text', text, utf8: undefined, isInPlace: undefined };
}
