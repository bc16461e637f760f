import { FrameParser } from '../../../lib/protocol/frame-parser';
import { InboundEvent, TextEvent } from '../../../lib/protocol/inbound-event';
import { Opcode } from '../../../lib/protocol/opcode';
import { forEachChunking, splitAt as readsCutAt } from '../../helpers/chunking';
import { maskedFrame, pattern, unmaskedFrame } from '../../helpers/frames';
import { hex } from '../../helpers/hex';
import { CLIENT, parseChunks, parseEveryWay, SERVER, summarize } from '../../helpers/parse';

describe('FrameParser framing', () => {
  describe('payload lengths', () => {
    it.each([
      [0, 0],
      [125, 125],
      [126, 126],
      [127, 126],
      [65535, 126],
      [65536, 127],
    ])('reads a masked binary frame of %i bytes (7-bit length field %i)', (length, lengthField) => {
      const bytes = maskedFrame(Opcode.Binary, pattern(length));
      expect(bytes[1] & 0x7f).toBe(Math.min(length, lengthField));

      // Read whole, in place up to a 16-bit length: the fast path (BinaryEvent.isInPlace).
      expect(parseEveryWay(bytes)).toEqual([{ kind: 'binary', data: pattern(length), isInPlace: lengthField < 127 || undefined }]);
    });

    it.each([0, 125, 126, 65535, 65536])('reads a masked text frame of %i bytes', (length) => {
      const text = 'x'.repeat(length);

      expect(parseEveryWay(maskedFrame(Opcode.Text, text)).map(summarize)).toEqual([{ kind: 'text', text }]);
    });

    it.each([
      [125, undefined],
      [2047, undefined],
      [2048, 2048],
      [65536, 65536],
    ])('keeps the UTF-8 bytes of a text of %i bytes with it only when it is large (%s): an echo sends them as they are', (length, keptBytes) => {
      const text = 'é'.repeat(length / 2) + 'x'.repeat(length % 2);
      const bytes = maskedFrame(Opcode.Text, text);
      forEachChunking(bytes, (chunks) => {
        const [event] = parseChunks(chunks, SERVER).events as TextEvent[];

        expect(event.text).toBe(text);
        expect(event.utf8?.length).toBe(keptBytes);
        if (event.utf8) expect(event.utf8.equals(Buffer.from(text))).toBe(true);
      });
    });

    it('reads a 16-bit length written literally', () => {
      // masked binary, 16-bit length 0x007e, key 00 00 00 00
      const bytes = Buffer.concat([hex('82 fe 00 7e 00 00 00 00'), pattern(126)]);

      expect(parseEveryWay(bytes)).toEqual([{ kind: 'binary', data: pattern(126), isInPlace: true }]);
    });

    it('reads a 64-bit length written literally', () => {
      // masked binary, 64-bit length 0x10000, key 00 00 00 00
      const bytes = Buffer.concat([hex('82 ff 00 00 00 00 00 01 00 00 00 00 00 00'), pattern(65536)]);

      expect(parseEveryWay(bytes)).toEqual([{ kind: 'binary', data: pattern(65536) }]);
    });
  });

  describe('messages read in place (isInPlace: an echo is framed over their header)', () => {
    it.each([
      ['binary', Opcode.Binary],
      ['text', Opcode.Text],
    ])('marks a %s message in place exactly when its whole frame came in one read, right after its own header', (_name, opcode) => {
      const payload = Buffer.from('ü'.repeat(1_500)); // 3,000 bytes: a 16-bit length, and a text that keeps its bytes
      const bytes = maskedFrame(opcode, payload);
      const headerBytes = bytes.length - payload.length;
      forEachChunking(bytes, (chunks) => {
        const [event] = parseChunks(chunks).events;
        const data = event.kind === 'binary' ? event.data : (event as TextEvent).utf8!;
        expect(data).toEqual(payload);
        expect(event.kind === 'binary' || event.kind === 'text' ? event.isInPlace : 'none').toBe(chunks.length === 1 || undefined);
        if (chunks.length === 1) expect(Buffer.from(data.buffer, data.byteOffset - headerBytes, headerBytes)).toEqual(bytes.subarray(0, headerBytes));
      });
    });

    it('does not mark a fragmented message, even one read whole', () => {
      const bytes = Buffer.concat([maskedFrame(Opcode.Binary, pattern(3_000), { fin: false }), maskedFrame(Opcode.Continuation, pattern(10))]);

      expect(parseEveryWay(bytes)).toEqual([{ kind: 'binary', data: Buffer.concat([pattern(3_000), pattern(10)]), isInPlace: undefined }]);
      expect((parseEveryWay(bytes)[0] as { isInPlace?: true }).isInPlace).toBeUndefined();
    });
  });

  describe('data messages', () => {
    it('reads the masked "Hello" of RFC 6455 §5.7', () => {
      expect(parseEveryWay(hex('81 85 37 fa 21 3d 7f 9f 4d 51 58'))).toEqual([{ kind: 'text', text: 'Hello' }]);
    });

    it('reads multi-byte UTF-8 text whatever the chunking', () => {
      const text = 'héllo € 𝄞 日本';

      expect(parseEveryWay(maskedFrame(Opcode.Text, text, {}, hex('a1 b2 c3 d4')))).toEqual([{ kind: 'text', text }]);
    });

    it('reads binary payloads that are not valid UTF-8 without complaint', () => {
      const data = hex('ff fe c0 80 ed a0 80');

      expect(parseEveryWay(maskedFrame(Opcode.Binary, data))).toEqual([{ kind: 'binary', data, isInPlace: true }]);
    });

    it('reads several messages from one buffer in order', () => {
      const bytes = Buffer.concat([
        maskedFrame(Opcode.Text, 'one'),
        maskedFrame(Opcode.Binary, hex('02')),
        maskedFrame(Opcode.Text, ''),
        maskedFrame(Opcode.Binary, Buffer.alloc(0)),
      ]);

      expect(parseEveryWay(bytes)).toEqual([
        { kind: 'text', text: 'one' },
        { kind: 'binary', data: hex('02'), isInPlace: true },
        { kind: 'text', text: '' },
        { kind: 'binary', data: Buffer.alloc(0), isInPlace: true },
      ]);
    });

    it('reads unmasked server frames in the client role (RFC 6455 §5.7)', () => {
      expect(parseEveryWay(hex('81 05 48 65 6c 6c 6f'), CLIENT)).toEqual([{ kind: 'text', text: 'Hello' }]);
    });

    it('reports nothing while a frame is incomplete', () => {
      const bytes = maskedFrame(Opcode.Text, 'Hello');

      for (let end = 0; end < bytes.length; end++) {
        expect(parseEveryWay(bytes.subarray(0, end))).toEqual([]);
      }
    });
  });

  describe('fragmentation', () => {
    it('joins the fragments of a text message (RFC 6455 §5.7 "Hel" + "lo")', () => {
      const bytes = Buffer.concat([
        maskedFrame(Opcode.Text, 'Hel', { fin: false }),
        maskedFrame(Opcode.Continuation, 'lo'),
      ]);

      expect(parseEveryWay(bytes)).toEqual([{ kind: 'text', text: 'Hello' }]);
    });

    it('joins a code point split across fragments (§5.6)', () => {
      const bytes = Buffer.concat([
        maskedFrame(Opcode.Text, hex('61 e2'), { fin: false }), // "a" and the first byte of "€"
        maskedFrame(Opcode.Continuation, hex('82'), { fin: false }),
        maskedFrame(Opcode.Continuation, hex('ac 62')),
      ]);

      expect(parseEveryWay(bytes)).toEqual([{ kind: 'text', text: 'a€b' }]);
    });

    it('joins binary fragments, empty ones included', () => {
      const bytes = Buffer.concat([
        maskedFrame(Opcode.Binary, Buffer.alloc(0), { fin: false }),
        maskedFrame(Opcode.Continuation, pattern(200), { fin: false }, hex('01 02 03 04')),
        maskedFrame(Opcode.Continuation, Buffer.alloc(0), { fin: false }),
        maskedFrame(Opcode.Continuation, hex('ff')),
      ]);

      expect(parseEveryWay(bytes)).toEqual([{ kind: 'binary', data: Buffer.concat([pattern(200), hex('ff')]) }]);
    });

    it('delivers control frames interleaved in a fragmented message before the message', () => {
      const bytes = Buffer.concat([
        maskedFrame(Opcode.Text, 'frag', { fin: false }),
        maskedFrame(Opcode.Ping, 'p1'),
        maskedFrame(Opcode.Continuation, 'men', { fin: false }),
        maskedFrame(Opcode.Pong, 'p2'),
        maskedFrame(Opcode.Ping, ''),
        maskedFrame(Opcode.Continuation, 'ted'),
      ]);

      expect(parseEveryWay(bytes)).toEqual([
        { kind: 'ping', payload: Buffer.from('p1') },
        { kind: 'pong', payload: Buffer.from('p2') },
        { kind: 'ping', payload: Buffer.alloc(0) },
        { kind: 'text', text: 'fragmented' },
      ]);
    });

    it('reads a close frame in the middle of a fragmented message and drops the unfinished message', () => {
      const bytes = Buffer.concat([
        maskedFrame(Opcode.Text, 'unfin', { fin: false }),
        maskedFrame(Opcode.Close, hex('03 e8')),
        maskedFrame(Opcode.Continuation, 'ished'),
      ]);

      expect(parseEveryWay(bytes)).toEqual([{ kind: 'close', code: 1000, reason: '' }]);
    });

    it('starts a new message after a fragmented one has finished', () => {
      const bytes = Buffer.concat([
        maskedFrame(Opcode.Binary, hex('01'), { fin: false }),
        maskedFrame(Opcode.Continuation, hex('02')),
        maskedFrame(Opcode.Text, 'next', { fin: false }),
        maskedFrame(Opcode.Continuation, '!'),
      ]);

      expect(parseEveryWay(bytes)).toEqual([
        { kind: 'binary', data: hex('01 02') },
        { kind: 'text', text: 'next!' },
      ]);
    });
  });

  describe('control frames', () => {
    it('reads a ping with its payload', () => {
      expect(parseEveryWay(maskedFrame(Opcode.Ping, 'Hello'))).toEqual([{ kind: 'ping', payload: Buffer.from('Hello') }]);
    });

    it('reads an empty ping', () => {
      expect(parseEveryWay(hex('89 80 00 00 00 00'))).toEqual([{ kind: 'ping', payload: Buffer.alloc(0) }]);
    });

    it('reads a ping of the largest control size, 125 bytes', () => {
      expect(parseEveryWay(maskedFrame(Opcode.Ping, pattern(125)))).toEqual([{ kind: 'ping', payload: pattern(125) }]);
    });

    it('reads a pong with its payload (masked pong of RFC 6455 §5.7)', () => {
      expect(parseEveryWay(hex('8a 85 37 fa 21 3d 7f 9f 4d 51 58'))).toEqual([{ kind: 'pong', payload: Buffer.from('Hello') }]);
    });

    it('reads a ping larger than maxMessageBytes, since the limit applies to data messages', () => {
      const events = parseEveryWay(maskedFrame(Opcode.Ping, pattern(100)), { role: 'server', maxMessageBytes: 10 });

      expect(events).toEqual([{ kind: 'ping', payload: pattern(100) }]);
    });

    it('reads a close frame with a code and a reason', () => {
      const bytes = maskedFrame(Opcode.Close, Buffer.concat([hex('03 e9'), Buffer.from('going away ✓')]));

      expect(parseEveryWay(bytes)).toEqual([{ kind: 'close', code: 1001, reason: 'going away ✓' }]);
    });

    it('reads a close frame with a code and no reason', () => {
      expect(parseEveryWay(maskedFrame(Opcode.Close, hex('0f a0')))).toEqual([{ kind: 'close', code: 4000, reason: '' }]);
    });

    it('reports an empty close frame as code 1005 (§7.1.5)', () => {
      expect(parseEveryWay(hex('88 80 00 00 00 00'))).toEqual([{ kind: 'close', code: 1005, reason: '' }]);
    });

    it('ignores every byte after a close frame', () => {
      const bytes = Buffer.concat([
        maskedFrame(Opcode.Text, 'before'),
        maskedFrame(Opcode.Close, hex('03 e8')),
        maskedFrame(Opcode.Text, 'after'),
        hex('ff ff ff ff'), // garbage that would fail the connection if it were parsed
      ]);

      expect(parseEveryWay(bytes)).toEqual([
        { kind: 'text', text: 'before' },
        { kind: 'close', code: 1000, reason: '' },
      ]);
    });

    it('reads a close frame in the client role', () => {
      expect(parseEveryWay(unmaskedFrame(Opcode.Close, hex('03 e8 62 79 65')), CLIENT)).toEqual([
        { kind: 'close', code: 1000, reason: 'bye' },
      ]);
    });
  });

  describe('isDone', () => {
    it('is false before and during a message and true once a close frame is read', () => {
      const bytes = Buffer.concat([maskedFrame(Opcode.Text, 'hi'), maskedFrame(Opcode.Close)]);
      const parser = new FrameParser(SERVER);

      expect(parser.isDone).toBe(false);
      expect(parser.push(bytes.subarray(0, 3))).toEqual([]);
      expect(parser.isDone).toBe(false);
      expect(parser.push(Buffer.from(bytes.subarray(3)))).toEqual([
        { kind: 'text', text: 'hi' },
        { kind: 'close', code: 1005, reason: '' },
      ]);
      expect(parser.isDone).toBe(true);
      expect(parser.push(maskedFrame(Opcode.Ping, 'late'))).toEqual([]);
    });
  });

  describe('payloads left as views of the read they arrived in', () => {
    const KiB = 1024;
    const messages = Array.from({ length: 16 }, (_, i) => maskedFrame(Opcode.Binary, Buffer.alloc(4 * KiB, i)));
    // 64 KiB reads of 4 KiB messages: nearly every read starts inside a frame the read before began.
    const stream = Buffer.concat(messages);
    const splitAt = messages[0].length + 100;

    it('takes the messages after one that spanned two reads from the read, not copied, and the spanning one whole', () => {
      const parser = new FrameParser(SERVER);
      const firstRead = Buffer.from(stream.subarray(0, splitAt));
      const secondRead = Buffer.from(stream.subarray(splitAt));

      const events = [...parser.push(firstRead), ...parser.push(secondRead)];

      expect(events.map((event) => (event.kind === 'binary' ? event.data : undefined))).toEqual(messages.map((_, i) => Buffer.alloc(4 * KiB, i)));
      const fromSecondRead = events.slice(2).map((event) => (event.kind === 'binary' ? event.data.buffer : undefined));
      expect(fromSecondRead.every((buffer) => buffer === secondRead.buffer)).toBe(true);
    });

    describe('a 100 KiB frame that spans three reads', () => {
      const payload = pattern(100 * KiB);
      /** The frame cut into three reads, each its own allocation, as a socket delivers them. */
      const readsOf = (frame: Buffer): Buffer[] => [frame.subarray(0, 40 * KiB), frame.subarray(40 * KiB, 80 * KiB), frame.subarray(80 * KiB)].map((read) => Buffer.from(read));

      it.each([
        ['binary', maskedFrame(Opcode.Binary, payload), SERVER, (event: InboundEvent) => event.kind === 'binary' && event.data],
        ['compressed', maskedFrame(Opcode.Binary, payload, { rsv1: true }), { ...SERVER, isDeflateNegotiated: true }, (event: InboundEvent) => event.kind === 'compressed' && event.data],
      ] as const)('%s: is unmasked once, straight into the message, and the reads are left as they came', (_kind, frame, options, dataOf) => {
        const parser = new FrameParser(options);
        const reads = readsOf(frame);
        const readsBefore = reads.map((read) => Buffer.from(read));

        const events = reads.flatMap((read) => [...parser.push(read)]);

        expect(events).toHaveLength(1);
        expect(payload.equals(dataOf(events[0]) || Buffer.alloc(0))).toBe(true);
        expect(reads.every((read, i) => read.equals(readsBefore[i]))).toBe(true);
      });

      it('text: is unmasked read by read, so invalid UTF-8 fails before the rest of the frame (§8.1)', () => {
        const text = 'x'.repeat(100 * KiB);
        const reads = readsOf(maskedFrame(Opcode.Text, text));
        const parser = new FrameParser(SERVER);

        expect(parser.push(reads[0])).toEqual([]);
        expect(reads[0].subarray(reads[0].length - 10).toString()).toBe('x'.repeat(10));
        expect(reads.slice(1).flatMap((read) => parser.push(read).map(summarize))).toEqual([{ kind: 'text', text }]);
      });
    });

    describe('a masked binary or compressed frame of 10 000 bytes that spans reads: its payload buffer is taken once half has arrived', () => {
      const payload = pattern(10_000);
      const next = maskedFrame(Opcode.Text, 'next');
      const payloadStart = 2 + 2 + 4; // §5.2 header, 16-bit length, mask key
      const half = payloadStart + payload.length / 2;
      const kinds = [
        ['binary', maskedFrame(Opcode.Binary, payload, {}, hex('01 02 03 04')), SERVER, 'binary'],
        ['compressed', maskedFrame(Opcode.Binary, payload, { rsv1: true }, hex('01 02 03 04')), { ...SERVER, isDeflateNegotiated: true }, 'compressed'],
      ] as const;
      const dataOf = (event: InboundEvent): Buffer | undefined => (event.kind === 'binary' || event.kind === 'compressed' ? event.data : undefined);

      it.each(kinds)('%s: the same message and the one after it, cut in two at every offset of the header and around half (every mask offset)', (_kind, frame, options, kind) => {
        const stream = Buffer.concat([frame, next]);
        const cuts = [...Array.from({ length: payloadStart + 1 }, (_, i) => i), ...Array.from({ length: 17 }, (_, i) => half - 8 + i), frame.length - 1, frame.length];
        for (const cut of cuts) {
          const { events } = parseChunks([stream.subarray(0, cut), stream.subarray(cut)].map((read) => Buffer.from(read)), options);

          expect(events.map((event) => event.kind)).toEqual([kind, 'text']);
          expect(dataOf(events[0])?.equals(payload)).toBe(true);
          expect(summarize(events[1])).toEqual({ kind: 'text', text: 'next' });
        }
      });

      it.each(kinds)('%s: read 1 byte, then 999-byte reads (gathered), then the rest: the gathered bytes land in order', (_kind, frame, options) => {
        const reads = readsCutAt(frame, [1, ...Array.from({ length: 8 }, (_, i) => payloadStart + 100 + i * 999)]);
        const readsBefore = reads.map((read) => Buffer.from(read));

        const { events } = parseChunks(reads, options);

        expect(events).toHaveLength(1);
        expect(dataOf(events[0])?.equals(payload)).toBe(true);
        expect(reads.every((read, i) => read.equals(readsBefore[i]))).toBe(true);
      });

      it('is refused from its header when over maxMessageBytes, whatever arrived of it (1009)', () => {
        const { events } = parseChunks([frame16(payload.length), Buffer.alloc(6000)], { ...SERVER, maxMessageBytes: payload.length - 1 });

        expect(events.map(summarize)).toEqual([expect.objectContaining({ kind: 'failed', code: 'MESSAGE_TOO_BIG', closeCode: 1009 })]);
      });

      it('a peer that declares 16 MiB and sends less than half holds what it sent, not 16 MiB; past half the payload buffer is taken', () => {
        const MiB = 1 << 20;
        const frame = maskedFrame(Opcode.Binary, pattern(16 * MiB));
        const header = frame.subarray(0, 2 + 8 + 4); // §5.2 64-bit length, mask key
        const [start, firstHalf, rest] = [Buffer.from(header), Buffer.from(frame.subarray(header.length, header.length + 8 * MiB - 1)), Buffer.from(frame.subarray(header.length + 8 * MiB - 1))];
        const parser = new FrameParser({ ...SERVER, maxMessageBytes: 32 * MiB });
        const arrayBufferBytes = (): number => process.memoryUsage().arrayBuffers;

        const before = arrayBufferBytes();
        parser.push(start);
        parser.push(firstHalf);
        const belowHalf = arrayBufferBytes() - before;
        const events = parser.push(rest);
        const pastHalf = arrayBufferBytes() - before;

        expect(belowHalf).toBeLessThan(MiB);
        expect(pastHalf).toBeGreaterThanOrEqual(16 * MiB);
        expect(events).toHaveLength(1);
        expect(events[0].kind === 'binary' && events[0].data.equals(pattern(16 * MiB))).toBe(true);
      });

      /** Only the header and mask key of a masked binary frame of `length` bytes (16-bit length). */
      function frame16(length: number): Buffer {
        return maskedFrame(Opcode.Binary, Buffer.alloc(length)).subarray(0, payloadStart);
      }
    });

    describe('a message whose one data fragment arrives in a read of 25 KiB of pongs, and its empty final fragment', () => {
      const first = maskedFrame(Opcode.Binary, Buffer.alloc(2 * KiB, 1), { fin: false });
      const last = maskedFrame(Opcode.Continuation, Buffer.alloc(0), { fin: true });
      const pongs = Buffer.concat(Array.from({ length: 200 }, () => maskedFrame(Opcode.Pong, Buffer.alloc(125))));
      const dataOf = (events: readonly InboundEvent[]): Buffer | undefined => events.flatMap((event) => (event.kind === 'binary' ? [event.data] : []))[0];

      it('in the same read: the message is a view of the read, not copied', () => {
        const read = Buffer.concat([first, pongs, last]);

        const data = dataOf(new FrameParser(SERVER).push(read));

        expect(data).toEqual(Buffer.alloc(2 * KiB, 1));
        expect(data?.buffer).toBe(read.buffer);
      });

      it('in the next read: the fragment was copied when its read ended, so the message does not hold the pongs', () => {
        const parser = new FrameParser(SERVER);
        const read = Buffer.concat([first, pongs]);

        parser.push(read);
        const data = dataOf(parser.push(Buffer.from(last)));

        expect(data).toEqual(Buffer.alloc(2 * KiB, 1));
        expect(data?.buffer).not.toBe(read.buffer);
        expect(data?.buffer.byteLength).toBeLessThan(read.length);
      });
    });
  });
});
