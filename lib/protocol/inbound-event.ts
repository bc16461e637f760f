import { ProtocolError } from './protocol-error';

/** What the parser makes of the bytes a peer sent: one complete message, a control frame, or a failure. */
export type InboundEvent =
  | TextEvent
  | { kind: 'binary'; data: Buffer }
  /** RFC 7692: a message whose first frame had RSV1; the transport inflates it (and validates text then). */
  | { kind: 'compressed'; isText: boolean; data: Buffer }
  | { kind: 'ping' | 'pong'; payload: Buffer }
  /** code is CloseCode.NoStatus (1005) when the close frame had an empty payload (§7.1.5). */
  | { kind: 'close'; code: number; reason: string }
  | { kind: 'failed'; error: ProtocolError };

/** A text message; `utf8` is the payload it was decoded from, kept for large ones only (see textEvent). */
export interface TextEvent {
  kind: 'text';
  text: string;
  utf8?: Buffer;
}

/** From this size a text message keeps its bytes: sent back as it is, it leaves from them, neither encoded again nor copied. */
const UTF8_KEPT_FROM_BYTES = 2 * 1024;

/** The event of a valid UTF-8 payload (checked by the caller, §8.1). */
export function textEvent(utf8: Buffer): TextEvent {
  return { kind: 'text', text: utf8.toString('utf8'), utf8: utf8.length >= UTF8_KEPT_FROM_BYTES ? utf8 : undefined };
}
