import fc from 'fast-check';
import { Envelope, JsonEventCodec } from '../../../lib';

/** What a handler's reply looks like to the codec (compat/ws-response.ts replyEnvelope). */
const reply = (event: string, data: unknown, id?: string | number): Envelope => (id === undefined ? { event, data } : { event, data, id });

/** Decodes `message` and returns the data a handler would get. */
function decodedData(codec: JsonEventCodec, message: string): unknown {
  const decoded = codec.decode(message);
  if (!decoded.ok) throw new Error(decoded.reason);
  return decoded.envelope.data;
}

const long = (text: string): string => text.repeat(Math.ceil(300 / text.length));

describe('JsonEventCodec', () => {
  describe('a reply carrying back the string a message brought (echo, relay)', () => {
    it('is exactly what JSON.stringify writes, for any string, sent with or without escapes', () => {
      const codec = new JsonEventCodec();
      // Any string; long ones of printable ASCII; long ones that JSON writes as they are.
      const verbatimUnit = fc.constantFrom('a', 'Z', ' ', '/', 'é', '😀', '\u2028', '\u007f');
      const anyString = fc.oneof(
        fc.string({ unit: 'binary', maxLength: 400 }),
        fc.string({ unit: 'grapheme-ascii', minLength: 256, maxLength: 600 }),
        fc.string({ unit: verbatimUnit, minLength: 256, maxLength: 600 }),
      );
      fc.assert(
        fc.property(anyString, fc.boolean(), fc.option(fc.oneof(fc.integer(), fc.string()), { nil: undefined }), (text, isEscapedAll, id) => {
          // Escaped or not, the same string arrives: every character as \uXXXX, or JSON.stringify's own form.
          const literal = isEscapedAll ? `"${Array.from({ length: text.length }, (_, i) => `\\u${text.charCodeAt(i).toString(16).padStart(4, '0')}`).join('')}"` : JSON.stringify(text);
          const data = decodedData(codec, `{"event":"echo","data":${literal}}`);
          expect(data).toBe(text);
          const envelope = reply('echo', data, id);
          expect(codec.encode(envelope)).toBe(JSON.stringify(envelope));
        }),
        { numRuns: 500 },
      );
    });

    it.each([
      ['a quote', 'say "hi"'],
      ['a backslash', 'C:\\temp'],
      ['a control character', 'line\nbreak\ttab\u0001'],
      ['a lone surrogate', 'broken \ud800 pair'],
      ['a surrogate pair and U+2028', 'emoji 😀 and \u2028 and é'],
    ])('writes a string holding %s as JSON.stringify does', (_, text) => {
      const codec = new JsonEventCodec();
      const data = decodedData(codec, JSON.stringify({ event: 'echo', data: long(text) }));

      expect(codec.encode(reply('echo', data))).toBe(JSON.stringify(reply('echo', data)));
    });

    it('writes the string as it came, without JSON.stringify scanning it again, when its message held no backslash', () => {
      const codec = new JsonEventCodec();
      const text = long('plain words, ünïcödé, 😀 ');
      const data = decodedData(codec, `{"id":7,"data":"${text}","event":"echo"}`);
      const stringify = jest.spyOn(JSON, 'stringify');

      expect(codec.encode(reply('echo', data, 7))).toBe(`{"event":"echo","data":"${text}","id":7}`);
      expect(stringify).not.toHaveBeenCalledWith(data);
      expect(stringify).not.toHaveBeenCalledWith(expect.objectContaining({ data }));
      stringify.mockRestore();
    });

    it('escapes a lone surrogate that arrived unescaped (a decode() call from code, not from a socket), as JSON.stringify does', () => {
      const codec = new JsonEventCodec();
      const data = decodedData(codec, `{"event":"echo","data":"${long('half \ud800 ')}"}`);

      expect(codec.encode(reply('echo', data))).toBe(JSON.stringify(reply('echo', data)));
      expect(codec.encode(reply('echo', data))).toContain('\\ud800');
    });

    it('answers an equal string from another message, and a reply after the next message, exactly as JSON.stringify', () => {
      const codec = new JsonEventCodec();
      const first = decodedData(codec, JSON.stringify({ event: 'echo', data: long('first ') })) as string;
      decodedData(codec, JSON.stringify({ event: 'echo', data: long('second ') }));

      expect(codec.encode(reply('echo', first))).toBe(JSON.stringify(reply('echo', first)));
      expect(codec.encode(reply('echo', long('second ')))).toBe(JSON.stringify(reply('echo', long('second '))));
    });

    it('writes any other envelope carrying that string as JSON.stringify does: other keys, other order, a class, an id of another type', () => {
      const codec = new JsonEventCodec();
      const data = decodedData(codec, JSON.stringify({ event: 'echo', data: long('text ') }));
      class Reply {
        constructor(
          readonly event: string,
          readonly data: unknown,
        ) {}
        toJSON(): object {
          return { event: this.event, wrapped: this.data };
        }
      }
      const others: object[] = [
        { data, event: 'echo' },
        { event: 'echo', data, ack: 3 },
        { event: 'said', data, room: 'lobby', offset: 1, epoch: 'e' },
        { event: 'echo', data, id: { nested: true } },
        { event: 'echo', data, id: undefined },
        { event: 'echo', data, id: Number.NaN },
        new Reply('echo', data),
        Object.assign(Object.create(null) as object, { event: 'echo', data }),
      ];

      for (const envelope of others) expect(codec.encode(envelope as Envelope)).toBe(JSON.stringify(envelope));
    });

    it('decodes as before: the envelope, and BAD_MESSAGE reasons', () => {
      const codec = new JsonEventCodec();

      expect(codec.decode(`{"event":"echo","data":"${long('x')}","id":"a"}`)).toEqual({ ok: true, envelope: { event: 'echo', data: long('x'), id: 'a' } });
      expect(codec.decode('{"event":"echo","data":"\\u0000"')).toEqual({ ok: false, reason: 'message is not valid JSON' });
      expect(codec.decode(`{"data":"${long('x')}"}`)).toEqual({ ok: false, reason: 'message has no "event" string' });
    });
  });
});
