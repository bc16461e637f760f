import { encodeClose, encodeFrame, encodeFrameHeader, encodeTextFrame, frameHeaderBytes, writeTextFrame } from '../../../lib/protocol/frame-writer';
import { Opcode } from '../../../lib/protocol/opcode';
import { expectRoundTrip, pattern, RFC_MASK_KEY } from '../../helpers/frames';
import { hex } from '../../helpers/hex';

describe('frame writer', () => {
  describe('RFC 6455 §5.7 examples', () => {
    it('encodes an unmasked text "Hello" as 81 05 …', () => {
      expectRoundTrip({ opcode: Opcode.Text, payload: Buffer.from('Hello') }, hex('81 05 48 65 6c 6c 6f'));
    });

    it('encodes a masked text "Hello" with key 37 fa 21 3d', () => {
      expectRoundTrip({ opcode: Opcode.Text, payload: Buffer.from('Hello'), maskKey: RFC_MASK_KEY }, hex('81 85 37 fa 21 3d 7f 9f 4d 51 58'));
    });

    it('encodes an unmasked ping and a masked pong carrying "Hello"', () => {
      expectRoundTrip({ opcode: Opcode.Ping, payload: Buffer.from('Hello') }, hex('89 05 48 65 6c 6c 6f'));
      expectRoundTrip({ opcode: Opcode.Pong, payload: Buffer.from('Hello'), maskKey: RFC_MASK_KEY }, hex('8a 85 37 fa 21 3d 7f 9f 4d 51 58'));
    });

    it('encodes a fragmented unmasked text as 01 03 "Hel" and 80 02 "lo"', () => {
      expect(encodeFrame(Buffer.from('Hel'), { opcode: Opcode.Text, fin: false })).toEqual(hex('01 03 48 65 6c'));
      expect(encodeFrame(Buffer.from('lo'), { opcode: Opcode.Continuation })).toEqual(hex('80 02 6c 6f'));
    });

    it('encodes 256 bytes of binary with a 16-bit length', () => {
      expectRoundTrip({ opcode: Opcode.Binary, payload: pattern(256) }, Buffer.concat([hex('82 7e 01 00'), pattern(256)]));
    });

    it('encodes 64 KiB of binary with a 64-bit length', () => {
      expectRoundTrip({ opcode: Opcode.Binary, payload: pattern(65536) }, Buffer.concat([hex('82 7f 00 00 00 00 00 01 00 00'), pattern(65536)]));
    });
  });

  describe('length forms', () => {
    it.each([
      [0, '82 00'],
      [125, '82 7d'],
      [126, '82 7e 00 7e'],
      [127, '82 7e 00 7f'],
      [65535, '82 7e ff ff'],
      [65536, '82 7f 00 00 00 00 00 01 00 00'],
      [65537, '82 7f 00 00 00 00 00 01 00 01'],
    ])('uses the shortest length form for %i bytes', (length, header) => {
      expectRoundTrip({ opcode: Opcode.Binary, payload: pattern(length) }, Buffer.concat([hex(header), pattern(length)]));
      expect(frameHeaderBytes(length, false)).toBe(hex(header).length);
    });

    it.each([
      [0, '82 80 00 00 00 00'],
      [126, '82 fe 00 7e 00 00 00 00'],
      [65536, '82 ff 00 00 00 00 00 01 00 00 00 00 00 00'],
    ])('puts the mask bit and key after the length for a masked frame of %i bytes', (length, header) => {
      const zeroKey = hex('00 00 00 00');

      expectRoundTrip({ opcode: Opcode.Binary, payload: pattern(length), maskKey: zeroKey }, Buffer.concat([hex(header), pattern(length)]));
      expect(frameHeaderBytes(length, true)).toBe(hex(header).length);
    });

    it('writes lengths above 2^32 in both halves of the 64-bit field', () => {
      const header = encodeFrameHeader(2 ** 32 + 5, { opcode: Opcode.Binary });

      expect(header).toEqual(hex('82 7f 00 00 00 01 00 00 00 05'));
    });
  });

  describe('header bits', () => {
    it('clears FIN when fin is false and sets RSV1 when rsv1 is true', () => {
      expect(encodeFrame(Buffer.from('a'), { opcode: Opcode.Text, fin: false, rsv1: true })).toEqual(hex('41 01 61'));
      expect(encodeFrame(Buffer.from('a'), { opcode: Opcode.Binary, rsv1: true })).toEqual(hex('c2 01 61'));
    });

    it('sets FIN by default', () => {
      expect(encodeFrame(Buffer.alloc(0), { opcode: Opcode.Ping })).toEqual(hex('89 00'));
    });
  });

  describe('encodeTextFrame', () => {
    it.each([
      ['an empty string', '', undefined],
      ['ASCII', 'Hello', undefined],
      ['multi-byte text', 'héllo € 𝄞', undefined],
      ['126 bytes', 'é'.repeat(63), undefined],
      ['70 000 bytes', 'abcdefghij'.repeat(7000), undefined],
      ['masked text', 'Hello', RFC_MASK_KEY],
      ['masked multi-byte text of 16-bit length', '€'.repeat(100), hex('01 02 03 04')],
    ])('equals encodeFrame of the UTF-8 bytes for %s', (_name, text, maskKey) => {
      expect(encodeTextFrame(text, maskKey)).toEqual(encodeFrame(Buffer.from(text), { opcode: Opcode.Text, maskKey }));
    });
  });

  describe('writeTextFrame', () => {
    it.each([0, 1, 125, 126, 65_535, 65_536])('writes the same bytes as encodeTextFrame for %i bytes, at an offset, and returns where it ends', (length) => {
      const text = 'é'.repeat(length >> 1) + 'a'.repeat(length & 1); // 2 bytes per é
      const expected = encodeTextFrame(text);
      const target = Buffer.alloc(expected.length + 7, 0xee);

      const end = writeTextFrame(target, 3, text, Buffer.byteLength(text));

      expect(end).toBe(3 + expected.length);
      expect(target.subarray(3, end).equals(expected)).toBe(true);
      expect([...target.subarray(0, 3), ...target.subarray(end)]).toEqual(new Array(7).fill(0xee));
    });
  });

  describe('encodeFrameHeader', () => {
    it.each([0, 5, 125, 126, 65535, 65536, 100000])('followed by the payload equals encodeFrame for %i bytes', (length) => {
      const options = { opcode: Opcode.Binary, fin: false, rsv1: true } as const;

      expect(Buffer.concat([encodeFrameHeader(length, options), pattern(length)])).toEqual(encodeFrame(pattern(length), options));
    });

    it('refuses a mask key, since masked frames are encoded whole', () => {
      expect(() => encodeFrameHeader(5, { opcode: Opcode.Text, maskKey: RFC_MASK_KEY })).toThrow(
        new TypeError('a masked frame is encoded whole, with encodeFrame()'),
      );
    });
  });

  describe('encodeClose', () => {
    it('encodes a code and a reason', () => {
      expect(encodeClose(1000, 'bye')).toEqual(hex('88 05 03 e8 62 79 65'));
    });

    it('encodes a code without a reason', () => {
      expect(encodeClose(1001)).toEqual(hex('88 02 03 e9'));
    });

    it('encodes 1005 as a close frame with no payload', () => {
      expect(encodeClose(1005)).toEqual(hex('88 00'));
    });

    it('masks the close payload when given a mask key', () => {
      // 03 e8 xor 37 fa = 34 12
      expect(encodeClose(1000, '', RFC_MASK_KEY)).toEqual(hex('88 82 37 fa 21 3d 34 12'));
    });

    it('refuses a code that may not be sent', () => {
      expect(() => encodeClose(1006)).toThrow(new RangeError('close code 1006 may not be sent (RFC 6455 §7.4)'));
    });
  });

  describe('masking', () => {
    it('never changes the caller\'s payload', () => {
      const payload = pattern(300);

      const frame = encodeFrame(payload, { opcode: Opcode.Binary, maskKey: hex('ff ff ff ff') });

      expect(payload).toEqual(pattern(300));
      expect(frame.subarray(8)).not.toEqual(pattern(300));
    });

    it('never changes the caller\'s mask key', () => {
      const maskKey = hex('37 fa 21 3d');

      encodeFrame(pattern(100), { opcode: Opcode.Binary, maskKey });
      encodeTextFrame('Hello', maskKey);

      expect(maskKey).toEqual(hex('37 fa 21 3d'));
    });

    it('returns a frame that shares no memory with the payload', () => {
      const payload = pattern(10);

      const frame = encodeFrame(payload, { opcode: Opcode.Binary });
      payload.fill(0);

      expect(frame.subarray(2)).toEqual(pattern(10));
    });
  });
});
