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
 * The event of a valid UTF-8 payload (checked by the caller, §8.1); `isInPlace` as in BinaryEvent.
 * `isAscii`: every byte is below 0x80, so latin1 decodes it the same, without UTF-8 decoding (4×
 * faster at 64 KiB; from about 1 MiB Node makes it an external string, outside the V8 heap).
 */
export function textEvent(utf8: Buffer, isAscii: boolean, isInPlace?: true): TextEvent {
  const text = utf8.toString(isAscii ? 'latin1' : 'utf8');
  return utf8.length >= UTF8_KEPT_FROM_BYTES ? { kind: 'text', text, utf8, isInPlace } : { kind: 'text', text, utf8: undefined, isInPlace: undefined };
}
