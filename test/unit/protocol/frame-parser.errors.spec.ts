import { FrameParser } from '../../../lib/protocol/frame-parser';
import { Opcode } from '../../../lib/protocol/opcode';
import { forEachChunking } from '../../helpers/chunking';
import { maskedFrame, pattern, unmaskedFrame } from '../../helpers/frames';
import { hex } from '../../helpers/hex';
import { CLIENT, expectFailure, parseChunks, parseEveryWay, SERVER } from '../../helpers/parse';

const RESERVED_BITS = { code: 'RESERVED_BITS', closeCode: 1002, message: 'reserved bits set without a negotiated extension' } as const;
const CONTROL_FRAME_INVALID = { code: 'CONTROL_FRAME_INVALID', closeCode: 1002, message: 'control frame fragmented or longer than 125 bytes' } as const;
const INVALID_UTF8_TEXT = { code: 'INVALID_UTF8', closeCode: 1007, message: 'text message is not valid UTF-8' } as const;
const MESSAGE_TOO_BIG = (limit: number) => ({ code: 'MESSAGE_TOO_BIG', closeCode: 1009, message: `message exceeds the limit of ${limit} bytes` } as const);

/**
 * Parses `bytes` under every chunking and asserts the failure is reported by the push() that
 * delivers byte `badByteOffset`, before the rest of the frame or message has arrived.
 */
function expectFailureAtByte(bytes: Buffer, badByteOffset: number, options = SERVER): void {
  forEachChunking(bytes, (chunks) => {
    const { events, pushIndexes } = parseChunks(chunks, options);
    let end = 0;
    const chunkWithBadByte = chunks.findIndex((chunk) => (end += chunk.length) > badByteOffset);
    expect(events.map((event) => event.kind)).toContain('failed');
    expect(pushIndexes[events.length - 1]).toBe(chunkWithBadByte);
  });
}

describe('FrameParser failures', () => {
  describe('reserved bits and opcodes', () => {
    it.each([
      ['RSV1', { rsv1: true }],
      ['RSV2', { rsv2: true }],
      ['RSV3', { rsv3: true }],
    ])('fails with 1002 when %s is set and no extension was negotiated', (_name, bits) => {
      expectFailure(parseEveryWay(maskedFrame(Opcode.Text, 'Hello', bits)), RESERVED_BITS);
    });

    it('fails with 1002 when a reserved bit is set on a control frame', () => {
      expectFailure(parseEveryWay(hex('c9 80 00 00 00 00')), RESERVED_BITS); // masked ping with RSV1
    });

    it.each([0x3, 0x4, 0x5, 0x6, 0x7, 0xb, 0xc, 0xd, 0xe, 0xf])('fails with 1002 on reserved opcode 0x%s', (opcode) => {
      expectFailure(parseEveryWay(maskedFrame(opcode, 'x')), {
        code: 'UNKNOWN_OPCODE',
        closeCode: 1002,
        message: `reserved opcode 0x${opcode.toString(16)}`,
      });
    });

    it('fails on a reserved opcode from the first two bytes, before the rest of the frame', () => {
      expectFailure(parseEveryWay(hex('83 85')), { code: 'UNKNOWN_OPCODE', closeCode: 1002, message: 'reserved opcode 0x3' });
    });
  });

  describe('control frames', () => {
    it('fails with 1002 when a ping arrives with FIN clear', () => {
      expectFailure(parseEveryWay(hex('09 80 00 00 00 00')), CONTROL_FRAME_INVALID); // masked ping, FIN clear, empty
    });

    it.each([
      ['ping', Opcode.Ping],
      ['pong', Opcode.Pong],
      ['close', Opcode.Close],
    ])('fails with 1002 when a %s is longer than 125 bytes', (_name, opcode) => {
      const payload = opcode === Opcode.Close ? Buffer.concat([hex('03 e8'), pattern(124)]) : pattern(126);

      expectFailure(parseEveryWay(maskedFrame(opcode, payload)), CONTROL_FRAME_INVALID);
    });

    it('fails with 1002 on a ping with a 64-bit length, from its first two bytes', () => {
      expectFailure(parseEveryWay(hex('89 ff')), CONTROL_FRAME_INVALID);
    });

    it('fails with 1002 when a close frame is fragmented', () => {
      expectFailure(parseEveryWay(maskedFrame(Opcode.Close, hex('03 e8'), { fin: false })), CONTROL_FRAME_INVALID);
    });
  });

  describe('fragmentation order', () => {
    it('fails with 1002 on a continuation frame with no message to continue', () => {
      expectFailure(parseEveryWay(hex('80 80 00 00 00 00')), {
        code: 'UNEXPECTED_CONTINUATION',
        closeCode: 1002,
        message: 'continuation frame without a message to continue',
      });
    });

    it('fails with 1002 on a continuation frame after the message has finished', () => {
      const bytes = Buffer.concat([maskedFrame(Opcode.Text, 'done'), maskedFrame(Opcode.Continuation, 'more')]);
      const events = parseEveryWay(bytes);

      expect(events[0]).toEqual({ kind: 'text', text: 'done' });
      expectFailure(events, { code: 'UNEXPECTED_CONTINUATION', closeCode: 1002, message: 'continuation frame without a message to continue' });
    });

    it.each([
      ['text', Opcode.Text],
      ['binary', Opcode.Binary],
    ])('fails with 1002 when a new %s frame starts while a fragmented message is incomplete', (_name, opcode) => {
      const bytes = Buffer.concat([maskedFrame(Opcode.Text, 'Hel', { fin: false }), maskedFrame(opcode, 'lo')]);

      expectFailure(parseEveryWay(bytes), {
        code: 'EXPECTED_CONTINUATION',
        closeCode: 1002,
        message: 'new data frame while a fragmented message is incomplete',
      });
    });
  });

  describe('masking', () => {
    it('fails with 1002 when a client sends an unmasked frame to the server', () => {
      expectFailure(parseEveryWay(hex('81 05 48 65 6c 6c 6f')), { code: 'UNMASKED_FRAME', closeCode: 1002, message: 'client frame is not masked' });
    });

    it('fails with 1002 when an unmasked control frame reaches the server', () => {
      expectFailure(parseEveryWay(unmaskedFrame(Opcode.Ping)), { code: 'UNMASKED_FRAME', closeCode: 1002, message: 'client frame is not masked' });
    });

    it('fails with 1002 when a server sends a masked frame to the client', () => {
      expectFailure(parseEveryWay(hex('81 85 37 fa 21 3d 7f 9f 4d 51 58'), CLIENT), {
        code: 'MASKED_FRAME',
        closeCode: 1002,
        message: 'server frame is masked',
      });
    });
  });

  describe('lengths', () => {
    it('fails with 1002 when a 64-bit length has its most significant bit set', () => {
      expectFailure(parseEveryWay(hex('82 ff 80 00 00 00 00 00 00 00 00 00 00 00')), {
        code: 'LENGTH_TOO_LARGE',
        closeCode: 1002,
        message: '64-bit length has its most significant bit set',
      });
    });

    it.each(['00 00', '00 7d'])('fails with 1002 on a 16-bit length of %s, which fits in 7 bits', (length) => {
      expectFailure(parseEveryWay(hex(`82 fe ${length} 00 00 00 00`)), {
        code: 'NON_MINIMAL_LENGTH',
        closeCode: 1002,
        message: '16-bit length used for a payload under 126 bytes',
      });
    });

    it.each(['00 00 00 00 00 00 00 00', '00 00 00 00 00 00 00 7d', '00 00 00 00 00 00 00 7e', '00 00 00 00 00 00 ff ff'])(
      'fails with 1002 on a 64-bit length of %s, which fits in 16 bits',
      (length) => {
        expectFailure(parseEveryWay(hex(`82 ff ${length} 00 00 00 00`)), {
          code: 'NON_MINIMAL_LENGTH',
          closeCode: 1002,
          message: '64-bit length used for a payload under 65536 bytes',
        });
      },
    );

    it('fails with 1009 from a 7-bit length over maxMessageBytes, before any payload arrives', () => {
      const events = parseEveryWay(hex('82 8b'), { role: 'server', maxMessageBytes: 10 }); // masked binary of 11 bytes, header only

      expectFailure(events, MESSAGE_TOO_BIG(10));
    });

    it('fails with 1009 from a 16-bit length over maxMessageBytes, before the mask key or payload', () => {
      const events = parseEveryWay(hex('81 fe 01 00'), { role: 'server', maxMessageBytes: 255 });

      expectFailure(events, MESSAGE_TOO_BIG(255));
    });

    it('fails with 1009 from a 64-bit length over maxMessageBytes, before the mask key or payload', () => {
      const events = parseEveryWay(hex('82 ff 00 00 00 01 00 00 00 00'), { role: 'server', maxMessageBytes: 1 << 20 }); // 4 GiB

      expectFailure(events, MESSAGE_TOO_BIG(1 << 20));
    });

    it('accepts a message of exactly maxMessageBytes', () => {
      const events = parseEveryWay(maskedFrame(Opcode.Binary, pattern(10)), { role: 'server', maxMessageBytes: 10 });

      expect(events).toEqual([{ kind: 'binary', data: pattern(10), isInPlace: true }]);
    });

    it('fails with 1009 when the fragments together exceed maxMessageBytes, at the header of the fragment that crosses it', () => {
      const options = { role: 'server', maxMessageBytes: 10 } as const;
      const first = maskedFrame(Opcode.Text, 'abcdef', { fin: false });
      const second = maskedFrame(Opcode.Continuation, 'ghijk');

      expect(parseEveryWay(first, options)).toEqual([]);
      expectFailure(parseEveryWay(Buffer.concat([first, second.subarray(0, 2)]), options), MESSAGE_TOO_BIG(10));
    });

    it('accepts fragments that add up to exactly maxMessageBytes', () => {
      const options = { role: 'server', maxMessageBytes: 10 } as const;
      const bytes = Buffer.concat([maskedFrame(Opcode.Text, 'abcdef', { fin: false }), maskedFrame(Opcode.Continuation, 'ghij')]);

      expect(parseEveryWay(bytes, options)).toEqual([{ kind: 'text', text: 'abcdefghij' }]);
    });

    it('counts a new message from zero once the previous one has finished', () => {
      const options = { role: 'server', maxMessageBytes: 10 } as const;
      const bytes = Buffer.concat([maskedFrame(Opcode.Binary, pattern(10)), maskedFrame(Opcode.Binary, pattern(10))]);

      expect(parseEveryWay(bytes, options)).toEqual([
        { kind: 'binary', data: pattern(10), isInPlace: true },
        { kind: 'binary', data: pattern(10), isInPlace: true },
      ]);
    });
  });

  describe('UTF-8 in text messages', () => {
    it('fails with 1007 at the invalid byte, before the rest of the frame arrives', () => {
      const bytes = maskedFrame(Opcode.Text, Buffer.concat([Buffer.from('ab'), hex('ff'), Buffer.from('cdefghij')]));

      expectFailureAtByte(bytes, 6 + 2);
      expectFailure(parseEveryWay(bytes.subarray(0, 6 + 3)), INVALID_UTF8_TEXT);
    });

    it('fails with 1007 at the invalid byte of a first fragment, before the message is complete', () => {
      const bytes = maskedFrame(Opcode.Text, hex('41 c0 80 41'), { fin: false }); // overlong NUL

      expectFailureAtByte(bytes, 6 + 1);
      expectFailure(parseEveryWay(bytes), INVALID_UTF8_TEXT);
    });

    it('fails with 1007 when a sequence started in one fragment is broken in the next', () => {
      const first = maskedFrame(Opcode.Text, hex('61 ed'), { fin: false });
      const second = maskedFrame(Opcode.Continuation, hex('a0 80 62'), { fin: false }); // ED A0 80 is a surrogate
      const bytes = Buffer.concat([first, second]);

      expectFailureAtByte(bytes, first.length + 6);
      expectFailure(parseEveryWay(bytes), INVALID_UTF8_TEXT);
    });

    it('fails with 1007 when a text message ends inside a code point', () => {
      expectFailure(parseEveryWay(maskedFrame(Opcode.Text, hex('61 e2 82'))), INVALID_UTF8_TEXT);
    });

    it('fails with 1007 when the final fragment ends inside a code point', () => {
      const bytes = Buffer.concat([
        maskedFrame(Opcode.Text, hex('f0 9f'), { fin: false }),
        maskedFrame(Opcode.Continuation, hex('98')),
      ]);

      expectFailure(parseEveryWay(bytes), INVALID_UTF8_TEXT);
    });

    it('fails with 1007 in the client role too', () => {
      expectFailure(parseEveryWay(unmaskedFrame(Opcode.Text, hex('f5 80 80 80')), CLIENT), INVALID_UTF8_TEXT);
    });
  });

  describe('close frames', () => {
    it('fails with 1002 on a close payload of 1 byte', () => {
      expectFailure(parseEveryWay(maskedFrame(Opcode.Close, hex('03'))), {
        code: 'INVALID_CLOSE_PAYLOAD',
        closeCode: 1002,
        message: 'close frame payload of 1 byte',
      });
    });

    it.each([0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535])('fails with 1002 on close code %i, which may not be sent', (code) => {
      const payload = Buffer.alloc(2);
      payload.writeUInt16BE(code);

      expectFailure(parseEveryWay(maskedFrame(Opcode.Close, payload)), {
        code: 'INVALID_CLOSE_CODE',
        closeCode: 1002,
        message: `close code ${code} may not be sent`,
      });
    });

    it.each([1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4999])('accepts close code %i', (code) => {
      const payload = Buffer.alloc(2);
      payload.writeUInt16BE(code);

      expect(parseEveryWay(maskedFrame(Opcode.Close, payload))).toEqual([{ kind: 'close', code, reason: '' }]);
    });

    it('fails with 1007 when the close reason is not valid UTF-8', () => {
      expectFailure(parseEveryWay(maskedFrame(Opcode.Close, hex('03 e8 61 ff'))), {
        code: 'INVALID_UTF8',
        closeCode: 1007,
        message: 'close reason is not valid UTF-8',
      });
    });
  });

  describe('after a failure', () => {
    it('reports the failure once and returns nothing from later pushes', () => {
      const parser = new FrameParser(SERVER);
      const events = parser.push(Buffer.concat([maskedFrame(Opcode.Text, 'ok'), hex('81 05 48 65 6c 6c 6f'), maskedFrame(Opcode.Text, 'lost')]));

      expect(events.map((event) => event.kind)).toEqual(['text', 'failed']);
      expectFailure(events, { code: 'UNMASKED_FRAME', closeCode: 1002, message: 'client frame is not masked' });
      expect(parser.isDone).toBe(true);
      expect(parser.push(maskedFrame(Opcode.Text, 'later'))).toEqual([]);
      expect(parser.push(maskedFrame(Opcode.Close))).toEqual([]);
      expect(parser.push(hex('ff'))).toEqual([]);
    });

    it('drops the rest of a chunk that holds the failure', () => {
      const bytes = Buffer.concat([hex('83 80 00 00 00 00'), maskedFrame(Opcode.Ping, 'never')]);
      const events = parseEveryWay(bytes);

      expect(events).toHaveLength(1);
      expectFailure(events, { code: 'UNKNOWN_OPCODE', closeCode: 1002, message: 'reserved opcode 0x3' });
    });
  });
});
