import { Envelope } from '../wire/envelope';
import { DecodeResult, EventCodec } from '../codec/event-codec.interface';
import { JsonEventCodec } from '../codec/json-event.codec';

/**
 * An application's codec, with what its `encode` returns checked: anything but a string or a
 * Buffer would only fail later, inside a socket write that no caller can catch (a process crash).
 * A throw here reaches the dispatcher, which answers INTERNAL and names the codec, or the caller of
 * a broadcast, `registry.send()` or a history delivery (the module's EventCodec is checked too).
 */
class CheckedCodec implements EventCodec {
  constructor(readonly inner: EventCodec) {}

  encode(envelope: Envelope): string | Buffer {
    const encoded = this.inner.encode(envelope);
    if (typeof encoded === 'string' || Buffer.isBuffer(encoded)) return encoded;
    throw new TypeError(`${codecName(this.inner)}.encode returned ${encoded === null ? 'null' : typeof encoded}, not a string or a Buffer`);
  }

  decode(message: string | Buffer): DecodeResult {
    return this.inner.decode(message);
  }
}

/** The default codec as it is (it is ours, and on the hot path), and a checked one; any other one checked. */
export const checkedCodec = (codec: EventCodec): EventCodec =>
  codec instanceof CheckedCodec || codec.constructor === JsonEventCodec ? codec : new CheckedCodec(codec);

/** The codec's class, for log lines. */
export const codecName = (codec: EventCodec): string => (codec instanceof CheckedCodec ? codecName(codec.inner) : codec.constructor.name);
