import fc from 'fast-check';
import { MASKING_IMPLEMENTATION } from '../../../lib';
import { applyMask, applyMaskKey, unmaskJoined, unmaskRange } from '../../../lib/protocol/masking';
import { createNativeMask } from '../../../lib/protocol/native-masking';
import { createSimdMask, MaskFunction } from '../../../lib/protocol/simd-masking';
import { seededRandom } from '../../helpers/chunking';
import { hex } from '../../helpers/hex';

/** The §5.3 definition, one byte at a time. */
function referenceMask(bytes: Uint8Array, maskKey: Uint8Array, maskOffset: number): Buffer {
  return Buffer.from(bytes.map((byte, i) => byte ^ maskKey[(maskOffset + i) % 4]));
}

/** `length` random bytes at `byteOffset` into a larger ArrayBuffer, so alignment varies. */
function randomView(random: () => number, length: number, byteOffset: number): Buffer {
  const view = Buffer.from(new ArrayBuffer(byteOffset + length + 3), byteOffset, length);
  for (let i = 0; i < length; i++) view[i] = Math.floor(random() * 256);
  return view;
}

describe('applyMask', () => {
  it('matches the byte-by-byte definition for lengths 0-300, every maskOffset 0-7 and byteOffset 0-3', () => {
    const random = seededRandom(53);
    const maskKey = hex('37 fa 21 3d');
    const mismatches: string[] = [];
    for (let length = 0; length <= 300; length++) {
      for (let maskOffset = 0; maskOffset < 8; maskOffset++) {
        for (let byteOffset = 0; byteOffset < 4; byteOffset++) {
          const bytes = randomView(random, length, byteOffset);
          const expected = referenceMask(bytes, maskKey, maskOffset);

          applyMask(bytes, maskKey, maskOffset);

          if (!bytes.equals(expected)) mismatches.push(`length ${length}, maskOffset ${maskOffset}, byteOffset ${byteOffset}`);
        }
      }
    }

    expect(mismatches).toEqual([]);
  });

  it('leaves the bytes around an unaligned view untouched', () => {
    const backing = Buffer.alloc(200, 0xaa);
    const view = backing.subarray(3, 197);

    applyMask(view, hex('ff ff ff ff'), 1);

    expect(backing.subarray(0, 3)).toEqual(hex('aa aa aa'));
    expect(backing.subarray(197)).toEqual(hex('aa aa aa'));
    expect(view).toEqual(Buffer.alloc(194, 0x55));
  });

  it('works with a mask key that is itself an unaligned view', () => {
    const maskKey = hex('00 37 fa 21 3d 00').subarray(1, 5);
    const bytes = randomView(seededRandom(7), 100, 0);
    const expected = referenceMask(bytes, hex('37 fa 21 3d'), 0);

    applyMask(bytes, maskKey);

    expect(bytes).toEqual(expected);
  });

  it('restores the original bytes when applied twice', () => {
    const random = seededRandom(11);
    for (const length of [0, 1, 3, 4, 63, 64, 65, 127, 1000]) {
      const bytes = randomView(random, length, length % 4);
      const original = Buffer.from(bytes);
      const maskKey = randomView(random, 4, 0);

      applyMask(bytes, maskKey, length % 3);
      applyMask(bytes, maskKey, length % 3);

      expect(bytes).toEqual(original);
    }
  });

  it('unmasks a payload piece by piece when each piece passes the running offset', () => {
    const random = seededRandom(13);
    const maskKey = hex('12 34 56 78');
    const whole = randomView(random, 500, 0);
    const expected = referenceMask(whole, maskKey, 0);
    const pieces = [1, 2, 3, 64, 70, 100, 1, 259].map((size, i, sizes) => {
      const start = sizes.slice(0, i).reduce((a, b) => a + b, 0);
      return whole.subarray(start, start + size);
    });

    let offset = 0;
    for (const piece of pieces) {
      applyMask(piece, maskKey, offset);
      offset += piece.length;
    }

    expect(whole).toEqual(expected);
  });

  it('computes the RFC 6455 §5.7 masked "Hello"', () => {
    const bytes = Buffer.from('Hello');

    applyMask(bytes, hex('37 fa 21 3d'));

    expect(bytes).toEqual(hex('7f 9f 4d 51 58'));
  });
});

describe('unmaskRange', () => {
  const maskKey = hex('37 fa 21 3d');
  const key = maskKey.readUInt32BE(0);

  it('unmasks only [start, end) as the §5.3 definition does, for lengths 0-40 at every start 0-3', () => {
    const random = seededRandom(71);
    const mismatches: string[] = [];
    for (let length = 0; length <= 40; length++) {
      for (let start = 0; start < 4; start++) {
        const bytes = randomView(random, start + length + 2, 0);
        const expected = Buffer.concat([bytes.subarray(0, start), referenceMask(bytes.subarray(start, start + length), maskKey, 0), bytes.subarray(start + length)]);

        unmaskRange(bytes, start, start + length, key);

        if (!bytes.equals(expected)) mismatches.push(`length ${length}, start ${start}`);
      }
    }

    expect(mismatches).toEqual([]);
  });

  it('returns the OR of the unmasked bytes: below 0x80 exactly when they are all ASCII', () => {
    const ascii = referenceMask(Buffer.from('plain ASCII text'), maskKey, 0);
    const accented = referenceMask(Buffer.from('café au lait'), maskKey, 0);
    const lastByteHigh = referenceMask(Buffer.from([0x41, 0x42, 0x43, 0x44, 0x80]), maskKey, 0);

    expect(unmaskRange(ascii, 0, ascii.length, key)).toBeLessThan(0x80);
    expect(ascii.toString()).toBe('plain ASCII text');
    expect(unmaskRange(accented, 0, accented.length, key)).toBeGreaterThanOrEqual(0x80);
    expect(accented.toString()).toBe('café au lait');
    expect(unmaskRange(lastByteHigh, 0, lastByteHigh.length, key)).toBeGreaterThanOrEqual(0x80);
  });

  it('with key 0, leaves the bytes as they are and still reports them', () => {
    const bytes = Buffer.from('unmasked');

    expect(unmaskRange(bytes, 0, bytes.length, 0)).toBeLessThan(0x80);
    expect(bytes.toString()).toBe('unmasked');
  });
});

describe('unmasking in native code (bufferutil), in WebAssembly SIMD, and in the JS loop', () => {
  const maskKeyOf = (key: number): Buffer => Buffer.from([key >>> 24, (key >>> 16) & 0xff, (key >>> 8) & 0xff, key & 0xff]);
  /** Lengths that cross the 16-byte lanes and the 64 KiB window of the SIMD path. */
  const lengths = fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 65_520, max: 65_552 }), fc.integer({ min: 131_060, max: 200_000 }));
  const cases = fc.record({ length: lengths, byteOffset: fc.integer({ min: 0, max: 15 }), maskOffset: fc.integer({ min: 0, max: 7 }), key: fc.integer({ min: 0, max: 0xffffffff }), seed: fc.integer() });

  /** Every case: the function leaves exactly the §5.3 definition in the view and the bytes around it untouched. */
  function expectDefinition(mask: (bytes: Buffer, key: number, maskOffset: number) => void): void {
    fc.assert(
      fc.property(cases, ({ length, byteOffset, maskOffset, key, seed }) => {
        const backing = Buffer.alloc(byteOffset + length + 20, 0xaa);
        const bytes = backing.subarray(byteOffset, byteOffset + length);
        for (let i = 0; i < length; i++) bytes[i] = (seed + i * 31) & 0xff;
        const expected = referenceMask(bytes, maskKeyOf(key), maskOffset);

        mask(bytes, key, maskOffset);

        expect(bytes.equals(expected)).toBe(true);
        expect(backing.subarray(0, byteOffset).every((byte) => byte === 0xaa)).toBe(true);
        expect(backing.subarray(byteOffset + length).every((byte) => byte === 0xaa)).toBe(true);
      }),
      { numRuns: 300 },
    );
  }

  /** Any cut of a payload into pieces (0 to 5 cuts, empty pieces too) at any alignment: unmaskJoined gives the §5.3 definition and leaves the pieces as they were. */
  function expectJoinedDefinition(join: typeof unmaskJoined): void {
    const joinCases = fc.record({ length: lengths, cuts: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 5 }), byteOffset: fc.integer({ min: 0, max: 15 }), key: fc.integer({ min: 0, max: 0xffffffff }), seed: fc.integer() });
    fc.assert(
      fc.property(joinCases, ({ length, cuts, byteOffset, key, seed }) => {
        const masked = Buffer.alloc(byteOffset + length).subarray(byteOffset);
        for (let i = 0; i < length; i++) masked[i] = (seed + i * 31) & 0xff;
        const at = [0, ...cuts.map((cut) => Math.floor(cut * length)).sort((a, b) => a - b), length];
        const pieces = at.slice(1).map((end, i) => Buffer.from(masked.subarray(at[i], end)));
        const before = pieces.map((piece) => Buffer.from(piece));

        const joined = join(pieces, length, key);

        expect(joined.equals(referenceMask(masked, maskKeyOf(key), 0))).toBe(true);
        if (pieces.length > 1) expect(pieces.every((piece, i) => piece.equals(before[i]))).toBe(true);
      }),
      { numRuns: 200 },
    );
  }

  /** Every case written to a target: the §5.3 definition at targetStart, the source and the bytes around it untouched. */
  function expectTargetDefinition(mask: MaskFunction): void {
    fc.assert(
      fc.property(cases, fc.integer({ min: 0, max: 17 }), ({ length, byteOffset, maskOffset, key, seed }, targetStart) => {
        const source = Buffer.alloc(byteOffset + length).subarray(byteOffset);
        for (let i = 0; i < length; i++) source[i] = (seed + i * 31) & 0xff;
        const sourceBefore = Buffer.from(source);
        const target = Buffer.alloc(targetStart + length + 20, 0xaa);

        mask(source, key, maskOffset, target, targetStart);

        expect(target.subarray(targetStart, targetStart + length).equals(referenceMask(sourceBefore, maskKeyOf(key), maskOffset))).toBe(true);
        expect(source.equals(sourceBefore)).toBe(true);
        expect(target.subarray(0, targetStart).every((byte) => byte === 0xaa)).toBe(true);
        expect(target.subarray(targetStart + length).every((byte) => byte === 0xaa)).toBe(true);
      }),
      { numRuns: 300 },
    );
  }

  /** masking.ts loaded afresh with `bufferutil` as the test makes it (absent, or only its JS fallback). */
  function freshMasking(bufferutil: () => unknown): typeof import('../../../lib/protocol/masking') {
    let masking: typeof import('../../../lib/protocol/masking') | undefined;
    jest.isolateModules(() => {
      jest.doMock('bufferutil', bufferutil);
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- a fresh copy of the module, loaded with that bufferutil
      masking = require('../../../lib/protocol/masking') as typeof import('../../../lib/protocol/masking');
    });
    jest.dontMock('bufferutil');
    return masking!;
  }
  const notInstalled = (): never => {
    throw new Error("Cannot find module 'bufferutil'");
  };

  describe('in native code, through the optional dependency bufferutil', () => {
    it('is installed here (npm installs optional dependencies), so payloads from 64 bytes are unmasked natively', () => {
      expect(createNativeMask()).toBeDefined();
      expect(MASKING_IMPLEMENTATION).toBe('native');
    });

    it('matches the §5.3 definition in place at every length, byteOffset and maskOffset', () => {
      expectDefinition(createNativeMask()!);
    });

    it('writes to a target as the definition says, the source and the bytes around it untouched', () => {
      expectTargetDefinition(createNativeMask()!);
    });

    it('without bufferutil (npm install --omit=optional), SIMD unmasks, and applyMaskKey and unmaskJoined still match the definition', () => {
      const masking = freshMasking(notInstalled);
      expect(masking.MASKING_IMPLEMENTATION).toBe('simd');
      expectDefinition(masking.applyMaskKey);
      expectJoinedDefinition(masking.unmaskJoined);
    });

    it('with only bufferutil\'s JS fallback loaded (no binary for this platform), SIMD unmasks: it is faster than that loop', () => {
      const masking = freshMasking(() => jest.requireActual('bufferutil/fallback'));
      expect(masking.MASKING_IMPLEMENTATION).toBe('simd');
      expectDefinition(masking.applyMaskKey);
    });
  });

  it('is available on this Node (SIMD is on by default since Node 16.4)', () => {
    expect(createSimdMask()).toBeDefined();
  });

  it('matches the §5.3 definition at every length, byteOffset and maskOffset', () => {
    expectDefinition(createSimdMask()!);
  });

  it('applyMaskKey matches it too, the fastest implementation here (native) from 64 bytes and the JS loop below', () => {
    expectDefinition(applyMaskKey);
  });

  it('writes to a target when given one: the §5.3 definition at targetStart, the source and the bytes around it untouched', () => {
    expectTargetDefinition(createSimdMask()!);
  });

  it('unmaskJoined unmasks the pieces of a frame into one buffer, whatever the cut', () => {
    expectJoinedDefinition(unmaskJoined);
  });

  describe('where WebAssembly is missing (node --jitless)', () => {
    const wasm: unknown = Reflect.get(globalThis, 'WebAssembly');
    beforeEach(() => Reflect.deleteProperty(globalThis, 'WebAssembly'));
    afterEach(() => Object.assign(globalThis, { WebAssembly: wasm }));

    it('has no SIMD unmasking, and without bufferutil applyMaskKey falls back to the JS loop, which matches the definition', () => {
      jest.isolateModules(() => {
        jest.doMock('bufferutil', notInstalled);
        /* eslint-disable @typescript-eslint/no-require-imports -- a fresh copy of the modules, loaded without WebAssembly */
        const { createSimdMask: createWithoutWasm } = require('../../../lib/protocol/simd-masking') as typeof import('../../../lib/protocol/simd-masking');
        const { applyMaskKey: applyWithoutWasm, MASKING_IMPLEMENTATION: implementationWithoutWasm } = require('../../../lib/protocol/masking') as typeof import('../../../lib/protocol/masking');
        /* eslint-enable @typescript-eslint/no-require-imports */

        expect(createWithoutWasm()).toBeUndefined();
        expect(implementationWithoutWasm).toBe('js');
        expectDefinition(applyWithoutWasm);
      });
      jest.dontMock('bufferutil');
    });

    it('unmaskJoined falls back to a copy and the JS loop, which match the definition', () => {
      jest.isolateModules(() => {
        jest.doMock('bufferutil', notInstalled);
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- a fresh copy of the module, loaded without WebAssembly
        const { unmaskJoined: joinWithoutWasm } = require('../../../lib/protocol/masking') as typeof import('../../../lib/protocol/masking');

        expectJoinedDefinition(joinWithoutWasm);
      });
      jest.dontMock('bufferutil');
    });
  });
});
