import { constants, deflateRawSync, inflateRawSync } from 'node:zlib';
import { deflateAloneNow } from '../../../../lib/transport/deflate/message-deflater';
import { ZLIB_ON_LOOP_MAX_BYTES } from '../../../../lib/transport/deflate/zlib-pool';
import { TAIL } from '../../../helpers/deflate-client';
import { deflateParams } from '../../../helpers/deflate-params';

/** Text that repeats itself from far back: a compressor may refer back as far as its window lets it. */
const textOf = (length: number): string => {
  const words = Array.from({ length: 200 }, (_, i) => `word${(i * 7919) % 1000}`).join(' '); // repeats every ~1.6 KB
  return words.repeat(Math.ceil(length / words.length)).slice(0, length);
};

/**
 * Inflates with exactly the agreed window, 64 bytes of output at a time so that references reach into
 * the window: zlib fails with "invalid distance too far back" on one beyond it.
 */
const inflateWithin = (compressed: Buffer, windowBits: number): Buffer =>
  inflateRawSync(Buffer.concat([compressed, TAIL]), { windowBits, finishFlush: constants.Z_SYNC_FLUSH, chunkSize: constants.Z_MIN_CHUNK });

describe('deflateAloneNow: a small message compressed at once, on a window sized to it', () => {
  const sizes = [0, 1, 249, 250, 251, 262, 263, 511, 512, 513, 4085, 4096, 8192, 10000, ZLIB_ON_LOOP_MAX_BYTES - 1, ZLIB_ON_LOOP_MAX_BYTES];

  it.each([9, 10, 12, 15])('stays within server_max_window_bits=%i for messages of 0 B to 16 KiB, and each inflates back alone', (windowBits) => {
    const params = deflateParams(false, { serverMaxWindowBits: windowBits });
    for (const size of sizes) {
      const text = textOf(size);
      const compressed = deflateAloneNow(Buffer.from(text), params);
      expect({ size, text: inflateWithin(compressed!, windowBits).toString() }).toEqual({ size, text });
    }
  });

  it('makes the same bytes as the whole 15-bit window when the message fits the smaller one', () => {
    const payload = Buffer.from(textOf(4085));
    const whole = deflateRawSync(payload, { windowBits: 15, finishFlush: constants.Z_SYNC_FLUSH });
    expect(deflateAloneNow(payload, deflateParams(false))).toEqual(whole.subarray(0, whole.length - 4));
  });

  it('leaves a message past ZLIB_ON_LOOP_MAX_BYTES to the thread pool', () => {
    expect(deflateAloneNow(Buffer.alloc(ZLIB_ON_LOOP_MAX_BYTES + 1), deflateParams(false))).toBeUndefined();
  });
});
