// Fuzz target: the JSON envelope decoder (lib/codec/json-event.codec.ts), which every text
// message of an envelope gateway goes through.
//
// Input: byte 0 bit 0 hands the rest over as a Buffer (a binary message) instead of a UTF-8 string.
//
// Invariants: decode() never throws; a binary message is refused; an accepted envelope has a
// non-empty string event, an id that is a string or a finite number (or none), no other keys,
// and survives encode() then decode() unchanged; a refusal gives a non-empty reason.
import { JsonEventCodec } from '../../../lib/codec/json-event.codec';
import { invariant, mustNotThrow } from '../invariant';

const codec = new JsonEventCodec();

export function fuzz(data: Buffer): void {
  if (data.length < 1) return;
  const isBinary = (data[0] & 1) === 1;
  const body = data.subarray(1);
  const message = isBinary ? body : body.toString('utf8');
  const result = mustNotThrow('JsonEventCodec.decode', () => codec.decode(message));
  if (!result.ok) {
    invariant(result.reason.length > 0, () => 'a refusal without a reason');
    return;
  }
  invariant(!isBinary, () => 'a binary message was accepted as an envelope');
  const { envelope } = result;
  invariant(typeof envelope.event === 'string' && envelope.event.length > 0, () => `event ${JSON.stringify(envelope.event)}`);
  invariant(envelope.id === undefined || typeof envelope.id === 'string' || (typeof envelope.id === 'number' && Number.isFinite(envelope.id)), () => `id ${String(envelope.id)}`);
  invariant(Object.keys(envelope).every((key) => key === 'event' || key === 'data' || key === 'id'), () => `keys ${Object.keys(envelope).join(',')}`);

  const encoded = mustNotThrow('JsonEventCodec.encode', () => codec.encode(envelope));
  const again = codec.decode(encoded);
  invariant(again.ok && JSON.stringify(again.envelope) === JSON.stringify(envelope), () => `changed by encode then decode: ${encoded.slice(0, 200)}`);
}
