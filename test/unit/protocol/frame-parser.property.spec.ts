import fc from 'fast-check';
import { FrameParser } from '../../../lib/protocol/frame-parser';
import { encodeFrame } from '../../../lib/protocol/frame-writer';
import { InboundEvent } from '../../../lib/protocol/inbound-event';
import { Opcode } from '../../../lib/protocol/opcode';
import { splitAt } from '../../helpers/chunking';
import { parseChunks, SERVER, summarize } from '../../helpers/parse';

const RUNS = { numRuns: 300, seed: 6455 };

const maskKey = fc.uint8Array({ minLength: 4, maxLength: 4 }).map((key) => Buffer.from(key));
const ping = fc.record({ payload: fc.uint8Array({ maxLength: 125 }), maskKey });

const message = fc.record({
  isText: fc.boolean(),
  text: fc.string({ unit: 'binary', maxLength: 200 }),
  data: fc.uint8Array({ maxLength: 400 }),
  /** Where the payload is cut into fragments; 0 cuts is a single frame. */
  cuts: fc.array(fc.nat(), { maxLength: 4 }),
  /** The ping, if any, sent before each fragment: before the first one it sits between messages. */
  pings: fc.array(fc.option(ping, { nil: undefined }), { maxLength: 5 }),
  maskKeys: fc.array(maskKey, { minLength: 5, maxLength: 5 }),
});
type Message = typeof message extends fc.Arbitrary<infer T> ? T : never;

/** The frames a client sends for `m`, and the events a server should make of them. */
function encodeMessage(m: Message): { frames: Buffer[]; expected: InboundEvent[] } {
  const payload = m.isText ? Buffer.from(m.text) : Buffer.from(m.data);
  const cuts = [...new Set(m.cuts.map((cut) => cut % (payload.length + 1)))].sort((a, b) => a - b);
  const bounds = [0, ...cuts, payload.length];
  const frames: Buffer[] = [];
  const expected: InboundEvent[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const before = m.pings[i];
    if (before) {
      frames.push(encodeFrame(Buffer.from(before.payload), { opcode: Opcode.Ping, maskKey: before.maskKey }));
      expected.push({ kind: 'ping', payload: Buffer.from(before.payload) });
    }
    frames.push(
      encodeFrame(payload.subarray(bounds[i], bounds[i + 1]), {
        opcode: i === 0 ? (m.isText ? Opcode.Text : Opcode.Binary) : Opcode.Continuation,
        fin: i + 2 === bounds.length,
        maskKey: m.maskKeys[i % m.maskKeys.length],
      }),
    );
  }
  expected.push(m.isText ? { kind: 'text', text: m.text } : { kind: 'binary', data: Buffer.from(m.data) });
  return { frames, expected };
}

describe('FrameParser properties', () => {
  it('parses any fragmented, masked messages with interleaved pings back to the same messages, under any chunking', () => {
    fc.assert(
      fc.property(fc.array(message, { maxLength: 6 }), fc.array(fc.nat(), { maxLength: 30 }), (messages, chunkCuts) => {
        const encoded = messages.map(encodeMessage);
        const bytes = Buffer.concat(encoded.flatMap((e) => e.frames));
        const chunks = splitAt(bytes, chunkCuts.map((cut) => cut % (bytes.length + 1)));

        const { events, parser } = parseChunks(chunks, SERVER);

        expect(events.map(summarize)).toEqual(encoded.flatMap((e) => e.expected).map(summarize));
        expect(parser.isDone).toBe(false);
      }),
      RUNS,
    );
  });

  it('never throws on arbitrary bytes, gives the same events under any chunking and reports nothing after a failure or a close', () => {
    const anyBytes = fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes));
    fc.assert(
      fc.property(anyBytes, fc.constantFrom('server' as const, 'client' as const), fc.array(fc.nat(), { maxLength: 20 }), (bytes, role, cuts) => {
        const options = { role, maxMessageBytes: 64 };
        const whole = parseChunks([Buffer.from(bytes)], options);
        const split = parseChunks(splitAt(bytes, cuts.map((cut) => cut % (bytes.length + 1))), options);

        expect(split.events.map(summarize)).toEqual(whole.events.map(summarize));
        const end = whole.events.findIndex((event) => event.kind === 'failed' || event.kind === 'close');
        if (end !== -1) {
          expect(whole.events).toHaveLength(end + 1);
          expect(whole.parser.isDone).toBe(true);
          expect(whole.parser.push(Buffer.from(bytes))).toEqual([]);
        }
      }),
      RUNS,
    );
  });

  it('gives the same events under any chunking when one byte of a valid stream is corrupted', () => {
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 3 }), fc.nat(), fc.integer({ min: 1, max: 255 }), fc.array(fc.nat(), { maxLength: 20 }), (messages, at, flip, cuts) => {
        const bytes = Buffer.concat(messages.flatMap((m) => encodeMessage(m).frames));
        bytes[at % bytes.length] ^= flip;
        const whole = new FrameParser(SERVER).push(Buffer.from(bytes));
        const split = parseChunks(splitAt(bytes, cuts.map((cut) => cut % (bytes.length + 1))), SERVER);

        expect(split.events.map(summarize)).toEqual(whole.map(summarize));
      }),
      RUNS,
    );
  });
});
