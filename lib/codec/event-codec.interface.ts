import { Envelope } from '../wire/envelope';

/** What decode() read: the envelope, or why the message is not one (answered BAD_MESSAGE). */
export type DecodeResult = { ok: true; envelope: Envelope } | { ok: false; reason: string };

/**
 * Turns envelopes into message payloads and back. The default is JSON over text frames;
 * a gateway can plug another (e.g. MessagePack over binary frames).
 */
export interface EventCodec {
  /** Text codecs return a string (sent as a text frame), binary codecs a Buffer. */
  encode(envelope: Envelope): string | Buffer;
  decode(message: string | Buffer): DecodeResult;
}
export const EventCodec = Symbol('EventCodec');
