import { randomBytes } from 'node:crypto';

type MaskingModule = typeof import('../../../lib/protocol/masking');

/** masking.ts loaded afresh, with bufferutil (native) or without it (SIMD). */
function freshMasking(isBufferutilAbsent: boolean): MaskingModule {
  let masking: MaskingModule | undefined;
  jest.isolateModules(() => {
    if (isBufferutilAbsent) {
      jest.doMock('bufferutil', () => {
        throw new Error("Cannot find module 'bufferutil'");
      });
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a fresh copy of the module, loaded with that bufferutil
    masking = require('../../../lib/protocol/masking') as MaskingModule;
  });
  jest.dontMock('bufferutil');
  return masking!;
}

/**
 * unmaskInto writes to a target that is often a view of a larger allocation (Buffer's pool, a
 * scratch). bufferutil's native mask() writes `length` bytes from `offset` with no bounds check,
 * where Buffer.copy (the JS loop) and the SIMD window copy stop at the view's end: a piece longer
 * than the room left in the target wrote past the view, into bytes it does not own.
 */
describe.each([
  { name: 'native', isBufferutilAbsent: false },
  { name: 'simd', isBufferutilAbsent: true },
])('unmaskInto ($name): never writes past the target view', ({ name, isBufferutilAbsent }) => {
  const masking = freshMasking(isBufferutilAbsent);

  it.each([64, 65, 100, 1000])('a %i-byte piece into a view with less room: only the view changes, as far as it goes', (length) => {
    expect(masking.MASKING_IMPLEMENTATION).toBe(name);
    const key = randomBytes(4).readUInt32BE(0);
    const piece = randomBytes(length);
    for (const maskOffset of [0, 1, 3, 5]) {
      for (const room of [0, 1, length >> 1, length - 1]) {
        const backing = Buffer.alloc(maskOffset + room + length + 8, 0xa5);
        const target = backing.subarray(0, maskOffset + room);
        const whole = Buffer.alloc(maskOffset + length);
        masking.unmaskInto(piece, key, maskOffset, whole);
        masking.unmaskInto(piece, key, maskOffset, target);
        expect({ maskOffset, room, view: target.subarray(maskOffset), past: backing.subarray(target.length).every((byte) => byte === 0xa5) }).toEqual({
          maskOffset,
          room,
          view: whole.subarray(maskOffset, maskOffset + room),
          past: true,
        });
      }
    }
  });
});
