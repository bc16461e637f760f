import { EventCodec } from '../codec/event-codec.interface';
import { encodeFrame, encodeTextFrame } from '../protocol/frame-writer';
import { Opcode } from '../protocol/opcode';
import { Envelope } from '../wire/envelope';

/** A message as one frame, ready for one or many sockets: a string as text, a Buffer as binary. */
export function encodeMessage(message: string | Buffer): Buffer {
  return typeof message === 'string' ? encodeTextFrame(message) : encodeFrame(message, { opcode: Opcode.Binary });
}

/** An envelope as one frame, in the codec's encoding: the one place broadcasts, registry sends, presence and history encode. */
export function encodeEnvelope(codec: EventCodec, envelope: Envelope): Buffer {
  return encodeMessage(codec.encode(envelope));
}
