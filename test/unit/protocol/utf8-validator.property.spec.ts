import fc from 'fast-check';
import { Utf8Validator } from '../../../lib/protocol/utf8-validator';
import { splitAt } from '../../helpers/chunking';

const RUNS = { numRuns: 300, seed: 3629 };

const decoder = new TextDecoder('utf-8', { fatal: true });
const decoderAccepts = (bytes: Uint8Array): boolean => {
  try {
    decoder.decode(bytes);
    return true;
  } catch {
    return false;
  }
};

/** Every write accepted and the text ended on a code-point boundary. end() is always called. */
function validatorAccepts(validator: Utf8Validator, pieces: readonly Uint8Array[]): boolean {
  const isEveryWriteAccepted = pieces.every((piece) => validator.write(piece));
  const isComplete = validator.end();
  return isEveryWriteAccepted && isComplete;
}

const BOUNDARY_BYTES = [
  0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xee, 0xef, 0xf0, 0xf4, 0xf5, 0xff,
];
const adversarialBytes = fc.array(fc.constantFrom(...BOUNDARY_BYTES), { maxLength: 24 }).map((bytes) => Buffer.from(bytes));
const randomBytes = fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes));
const validText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.string({ unit: 'binary-ascii', maxLength: 60 }),
);
const cuts = fc.array(fc.nat(), { maxLength: 8 });
const split = (bytes: Buffer, at: number[]): Buffer[] => splitAt(bytes, at.map((cut) => cut % (bytes.length + 1)));

describe('Utf8Validator properties', () => {
  it('agrees with a fatal TextDecoder on random bytes', () => {
    fc.assert(
      fc.property(randomBytes, (bytes) => {
        expect(validatorAccepts(new Utf8Validator(), [bytes])).toBe(decoderAccepts(bytes));
      }),
      RUNS,
    );
  });

  it('agrees with a fatal TextDecoder on bytes drawn from the UTF-8 boundary values', () => {
    fc.assert(
      fc.property(adversarialBytes, (bytes) => {
        expect(validatorAccepts(new Utf8Validator(), [bytes])).toBe(decoderAccepts(bytes));
      }),
      RUNS,
    );
  });

  it('agrees with a fatal TextDecoder on boundary-value bytes split across several writes', () => {
    fc.assert(
      fc.property(adversarialBytes, cuts, (bytes, at) => {
        expect(validatorAccepts(new Utf8Validator(), split(bytes, at))).toBe(decoderAccepts(bytes));
      }),
      RUNS,
    );
  });

  it('says a valid text is ASCII exactly when every byte is below 0x80, however it was split, and starts afresh after end()', () => {
    fc.assert(
      fc.property(validText, validText, cuts, (text, next, at) => {
        const bytes = Buffer.from(text);
        const validator = new Utf8Validator();
        for (const piece of split(bytes, at)) expect(validator.write(piece)).toBe(true);

        expect(validator.isAscii).toBe(bytes.every((byte) => byte < 0x80));
        validator.end();
        for (const piece of split(Buffer.from(next), at)) validator.write(piece);
        expect(validator.isAscii).toBe(Buffer.from(next).every((byte) => byte < 0x80));
      }),
      RUNS,
    );
  });

  it('accepts any valid string split at arbitrary points across several writes', () => {
    fc.assert(
      fc.property(validText, cuts, (text, at) => {
        const bytes = Buffer.from(text);

        expect(decoderAccepts(bytes)).toBe(true);
        expect(validatorAccepts(new Utf8Validator(), split(bytes, at))).toBe(true);
      }),
      RUNS,
    );
  });

  it('agrees with a fatal TextDecoder on valid text with boundary-value bytes inserted, split across writes', () => {
    fc.assert(
      fc.property(validText, fc.array(fc.tuple(fc.nat(), fc.constantFrom(...BOUNDARY_BYTES)), { maxLength: 3 }), cuts, (text, insertions, at) => {
        const bytes = [...Buffer.from(text)];
        for (const [position, byte] of insertions) bytes.splice(position % (bytes.length + 1), 0, byte);
        const buffer = Buffer.from(bytes);

        expect(validatorAccepts(new Utf8Validator(), split(buffer, at))).toBe(decoderAccepts(buffer));
      }),
      RUNS,
    );
  });

  it('gives each message the same answer when one validator is reused with end() in between', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.oneof(adversarialBytes, randomBytes), cuts), { maxLength: 6 }), (messages) => {
        const validator = new Utf8Validator();
        for (const [bytes, at] of messages) {
          expect(validatorAccepts(validator, split(bytes, at))).toBe(decoderAccepts(bytes));
        }
      }),
      RUNS,
    );
  });
});
