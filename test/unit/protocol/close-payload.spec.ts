import { encodeClosePayload, MAX_CLOSE_REASON_BYTES, parseClosePayload } from '../../../lib/protocol/close-payload';
import { ProtocolError } from '../../../lib/protocol/protocol-error';
import { hex } from '../../helpers/hex';

/** Runs `parse` and returns the ProtocolError it threw, its class checked. */
function protocolErrorOf(parse: () => unknown): ProtocolError {
  let thrown: unknown;
  try {
    parse();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(ProtocolError);
  return thrown as ProtocolError;
}

const codeBytes = (code: number): Buffer => {
  const bytes = Buffer.alloc(2);
  bytes.writeUInt16BE(code);
  return bytes;
};

describe('close payload', () => {
  describe('parseClosePayload', () => {
    it('reads an empty payload as 1005 with no reason', () => {
      expect(parseClosePayload(Buffer.alloc(0))).toEqual({ code: 1005, reason: '' });
    });

    it('reads a code and a UTF-8 reason', () => {
      expect(parseClosePayload(hex('03 e8 c3 a9 74 c3 a9'))).toEqual({ code: 1000, reason: 'été' });
    });

    it('reads a code with no reason', () => {
      expect(parseClosePayload(hex('0b b8'))).toEqual({ code: 3000, reason: '' });
    });

    it('fails with 1002 on a payload of 1 byte', () => {
      const error = protocolErrorOf(() => parseClosePayload(hex('03')));

      expect({ code: error.code, closeCode: error.closeCode, message: error.message }).toEqual({
        code: 'INVALID_CLOSE_PAYLOAD',
        closeCode: 1002,
        message: 'close frame payload of 1 byte',
      });
    });

    it.each([0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535])('fails with 1002 on code %i', (code) => {
      const error = protocolErrorOf(() => parseClosePayload(codeBytes(code)));

      expect({ code: error.code, closeCode: error.closeCode, message: error.message }).toEqual({
        code: 'INVALID_CLOSE_CODE',
        closeCode: 1002,
        message: `close code ${code} may not be sent`,
      });
    });

    it.each([1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999])('accepts code %i', (code) => {
      expect(parseClosePayload(codeBytes(code))).toEqual({ code, reason: '' });
    });

    it.each(['ff', 'c3', 'ed a0 80', 'c0 80'])('fails with 1007 when the reason is the invalid UTF-8 %s', (reason) => {
      const error = protocolErrorOf(() => parseClosePayload(Buffer.concat([hex('03 e8'), hex(reason)])));

      expect({ code: error.code, closeCode: error.closeCode, message: error.message }).toEqual({
        code: 'INVALID_UTF8',
        closeCode: 1007,
        message: 'close reason is not valid UTF-8',
      });
    });
  });

  describe('encodeClosePayload', () => {
    it('writes the code big-endian followed by the UTF-8 reason', () => {
      expect(encodeClosePayload(1000, 'été')).toEqual(hex('03 e8 c3 a9 74 c3 a9'));
    });

    it('writes just the code when there is no reason', () => {
      expect(encodeClosePayload(4999)).toEqual(hex('13 87'));
    });

    it('writes nothing at all for 1005', () => {
      expect(encodeClosePayload(1005, 'ignored')).toEqual(Buffer.alloc(0));
    });

    it.each([0, 1004, 1006, 1015, 2999, 5000])('refuses code %i, which may not be sent', (code) => {
      expect(() => encodeClosePayload(code)).toThrow(new RangeError(`close code ${code} may not be sent (RFC 6455 §7.4)`));
    });

    it('accepts a reason of exactly 123 UTF-8 bytes', () => {
      const reason = '€'.repeat(41); // 123 bytes

      expect(MAX_CLOSE_REASON_BYTES).toBe(123);
      expect(encodeClosePayload(1000, reason)).toHaveLength(125);
    });

    it('refuses a reason of 124 UTF-8 bytes, counting bytes rather than characters', () => {
      const reason = 'é'.repeat(62); // 62 characters, 124 bytes

      expect(() => encodeClosePayload(1000, reason)).toThrow(
        new RangeError('close reason is 124 bytes; at most 123 fit (RFC 6455 §5.5)'),
      );
    });

    it.each([
      [1000, ''],
      [1001, 'going away'],
      [4000, '日本語 ✓'],
      [3000, 'x'.repeat(123)],
    ])('round-trips code %i with reason %j through parseClosePayload', (code, reason) => {
      expect(parseClosePayload(encodeClosePayload(code, reason))).toEqual({ code, reason });
    });
  });
});
