import fc from 'fast-check';
import { Envelope, JsonEventCodec } from '../../../lib';

// Outside attack (s5-AD) on the verbatim reply (VerbatimString): whatever the reply object, the codec
// writes exactly what JSON.stringify writes, including objects that JSON.stringify does not read by
// their enumerable keys alone (a toJSON method anywhere on the object or its prototype chain).

const long = (text: string): string => text.repeat(Math.ceil(300 / text.length));

function decodedData(codec: JsonEventCodec, message: string): string {
  const decoded = codec.decode(message);
  if (!decoded.ok) throw new Error(decoded.reason);
  return decoded.envelope.data as string;
}

describe('JsonEventCodec reply: the same bytes as JSON.stringify for any reply object', () => {
  it('honours a non-enumerable toJSON on the reply itself', () => {
    const codec = new JsonEventCodec();
    const data = decodedData(codec, JSON.stringify({ event: 'echo', data: long('plain ') }));
    const envelope = { event: 'echo', data };
    Object.defineProperty(envelope, 'toJSON', { value: () => ({ event: 'wrapped', data: data.length }), enumerable: false });

    expect(codec.encode(envelope)).toBe(JSON.stringify(envelope));
  });

  it.each([
    ['Object.prototype', Object.prototype],
    ['String.prototype', String.prototype],
  ])('honours a non-enumerable toJSON that code put on %s', (_, proto) => {
    const codec = new JsonEventCodec();
    const data = decodedData(codec, JSON.stringify({ event: 'echo', data: long('plain ') }));
    Object.defineProperty(proto, 'toJSON', { value: () => 'replaced', enumerable: false, configurable: true, writable: true });
    try {
      const envelope = { event: 'echo', data };
      expect(codec.encode(envelope)).toBe(JSON.stringify(envelope));
    } finally {
      delete (proto as { toJSON?: unknown }).toJSON;
    }
  });

  it('equals JSON.parse(JSON.stringify) in meaning for any data a message brings and any reply built around it', () => {
    const codec = new JsonEventCodec();
    const unit = fc.constantFrom('a', '"', '\\', '\u0000', '\u001f', '\u2028', '\u2029', '\ud800', '\udc00', '😀', 'é', '/', '\u007f', ' ');
    const text = fc.oneof(fc.string({ unit, minLength: 250, maxLength: 400 }), fc.string({ unit: 'binary', minLength: 250, maxLength: 400 }));
    const replyOf = fc.constantFrom(
      (d: string): unknown => ({ event: 'echo', data: d }),
      (d: string): unknown => ({ event: 'echo', data: d, id: 3 }),
      (d: string): unknown => ({ event: 'echo', data: d, id: 'x"\\' }),
      (d: string): unknown => ({ event: 'e\u2028"', data: d }),
      (d: string): unknown => ({ event: 'echo', data: { inner: d } }),
      (d: string): unknown => ({ event: 'echo', data: `${d.slice(0, 10)}${d.slice(10)}` }),
      (d: string): unknown => ({ event: 'echo', data: [d, d] }),
    );
    fc.assert(
      fc.property(text, replyOf, (t, make) => {
        const data = decodedData(codec, JSON.stringify({ event: 'echo', data: t }));
        const envelope = make(data) as Envelope;
        const encoded = codec.encode(envelope);
        expect(encoded).toBe(JSON.stringify(envelope));
        expect(JSON.parse(encoded)).toEqual(JSON.parse(JSON.stringify(envelope)));
      }),
      { numRuns: 300 },
    );
  });
});
