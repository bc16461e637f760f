import { Utf8Validator } from '../../../lib/protocol/utf8-validator';
import { hex } from '../../helpers/hex';

/** Writes the pieces in order and reports whether all of them, and the end, were accepted. */
function validate(...pieces: string[]): boolean {
  const validator = new Utf8Validator();
  return pieces.every((piece) => validator.write(hex(piece))) && validator.end();
}

describe('Utf8Validator', () => {
  describe('well-formed text', () => {
    it.each([
      ['nothing', ''],
      ['ASCII, NUL and DEL', '00 41 7f'],
      ['a 2-byte code point (U+00E9)', 'c3 a9'],
      ['the smallest 2-byte code point (U+0080)', 'c2 80'],
      ['the largest 2-byte code point (U+07FF)', 'df bf'],
      ['the smallest 3-byte code point (U+0800)', 'e0 a0 80'],
      ['a 3-byte code point (U+20AC €)', 'e2 82 ac'],
      ['the last code point before the surrogates (U+D7FF)', 'ed 9f bf'],
      ['the first code point after the surrogates (U+E000)', 'ee 80 80'],
      ['U+FFFF', 'ef bf bf'],
      ['the smallest 4-byte code point (U+10000)', 'f0 90 80 80'],
      ['a 4-byte code point (U+1D11E 𝄞)', 'f0 9d 84 9e'],
      ['the largest code point (U+10FFFF)', 'f4 8f bf bf'],
    ])('accepts %s', (_name, bytes) => {
      expect(validate(bytes)).toBe(true);
    });
  });

  describe('ill-formed text', () => {
    it.each([
      ['an overlong 2-byte NUL (C0 80)', 'c0 80'],
      ['an overlong 2-byte lead C1', 'c1 bf'],
      ['an overlong 3-byte NUL (E0 80 80)', 'e0 80 80'],
      ['an overlong 3-byte U+07FF (E0 9F BF)', 'e0 9f bf'],
      ['an overlong 4-byte NUL (F0 80 80 80)', 'f0 80 80 80'],
      ['an overlong 4-byte U+FFFF (F0 8F BF BF)', 'f0 8f bf bf'],
      ['a high surrogate (ED A0 80)', 'ed a0 80'],
      ['a low surrogate (ED BF BF)', 'ed bf bf'],
      ['a code point above U+10FFFF (F4 90 80 80)', 'f4 90 80 80'],
      ['the lead byte F5', 'f5 80 80 80'],
      ['the byte FF', 'ff'],
      ['the byte FE', 'fe'],
      ['a stray continuation byte', '41 80 41'],
      ['a continuation byte at the start', 'bf'],
      ['a 2-byte sequence cut short by ASCII', 'c3 41'],
      ['a 3-byte sequence cut short by a new lead byte', 'e2 82 e2 82 ac'],
      ['one continuation byte too many', 'c3 a9 a9'],
    ])('rejects %s', (_name, bytes) => {
      expect(validate(bytes)).toBe(false);
    });

    it.each([
      ['a 2-byte sequence', '41 c3'],
      ['a 3-byte sequence after 1 byte', 'e2'],
      ['a 3-byte sequence after 2 bytes', 'e2 82'],
      ['a 4-byte sequence after 3 bytes', 'f0 9d 84'],
    ])('rejects text that ends inside %s, at end() not at write()', (_name, bytes) => {
      const validator = new Utf8Validator();

      expect(validator.write(hex(bytes))).toBe(true);
      expect(validator.end()).toBe(false);
    });

    it('rejects the invalid write itself, not a later one', () => {
      const validator = new Utf8Validator();

      expect(validator.write(hex('41 42'))).toBe(true);
      expect(validator.write(hex('43 ff 44'))).toBe(false);
    });
  });

  describe('code points split across writes', () => {
    it.each([
      ['1 + 3', ['f0', '9d 84 9e']],
      ['2 + 2', ['f0 9d', '84 9e']],
      ['3 + 1', ['f0 9d 84', '9e']],
      ['1 + 1 + 1 + 1', ['f0', '9d', '84', '9e']],
      ['with empty writes in between', ['e2', '', '82', '', 'ac']],
      ['after ASCII in the same write', ['41 42 e2 82', 'ac 43']],
    ])('accepts a code point split %s', (_name, pieces) => {
      expect(validate(...pieces)).toBe(true);
    });

    it.each([
      ['an overlong after E0', 'e0', '80 80'],
      ['a surrogate after ED', 'ed', 'a0 80'],
      ['an overlong after F0', 'f0', '8f bf bf'],
      ['a code point above U+10FFFF after F4', 'f4', '90 80 80'],
      ['ASCII where a continuation byte is owed', 'c3', '41'],
    ])('rejects %s when the lead byte came in the previous write', (_name, first, second) => {
      const validator = new Utf8Validator();

      expect(validator.write(hex(first))).toBe(true);
      expect(validator.write(hex(second))).toBe(false);
    });

    it('keeps the narrowed range only for the first continuation byte', () => {
      // After E0 the first continuation must be A0-BF, the second any of 80-BF.
      expect(validate('e0', 'a0', '80')).toBe(true);
      expect(validate('f4', '8f', '80', '80')).toBe(true);
      expect(validate('ed', '9f', 'bf')).toBe(true);
    });
  });

  describe('end() and reset()', () => {
    it('starts over after end(), whether the text was complete or not', () => {
      const validator = new Utf8Validator();

      expect(validator.write(hex('e2 82'))).toBe(true);
      expect(validator.end()).toBe(false);
      expect(validator.write(hex('41'))).toBe(true);
      expect(validator.end()).toBe(true);
    });

    it('forgets a pending sequence on reset()', () => {
      const validator = new Utf8Validator();

      expect(validator.write(hex('f0 9d'))).toBe(true);
      validator.reset();
      expect(validator.write(hex('41'))).toBe(true);
      expect(validator.end()).toBe(true);
    });

    it('forgets a narrowed range on end()', () => {
      const validator = new Utf8Validator();

      expect(validator.write(hex('e0'))).toBe(true);
      expect(validator.end()).toBe(false);
      expect(validator.write(hex('c3 80'))).toBe(true); // 80 would be out of range after E0
      expect(validator.end()).toBe(true);
    });
  });
});
