import { keyFromOffset } from './mask-key';
import type { MaskFunction } from './simd-masking';

/** What this file uses of `bufferutil`: output[offset + i] = source[i] ^ mask[i & 3], and the same in place. */
interface BufferUtil {
  mask(source: Buffer, mask: Buffer, output: Buffer, offset: number, length: number): void;
  unmask(buffer: Buffer, mask: Buffer): void;
}

/**
 * RFC 6455 §5.3 unmasking in native code, through the optional dependency `bufferutil` (the
 * websockets project's N-API addon, prebuilt for Linux, macOS and Windows; `ws` uses it, but it is
 * not `ws`): one pass that XORs while it copies, where WebAssembly SIMD copies each window into its
 * memory and back (64 KiB: ~1.2 µs against ~4.6 µs). undefined when it is not installed
 * (`npm install --omit=optional`) or only its JS fallback loaded (no prebuilt binary and no
 * compiler): masking.ts then uses SIMD.
 */
export function createNativeMask(): MaskFunction | undefined {
  const native = loadNative();
  if (native === undefined) return undefined;
  // One 4-byte key for every call: each call is synchronous and reads it before returning.
  const rotatedKey = Buffer.alloc(4);
  return (bytes, key, maskOffset, target, targetStart = 0) => {
    // bufferutil starts every call at key byte 0: the key is turned so byte maskOffset % 4 comes first.
    rotatedKey.writeUInt32BE(keyFromOffset(key, maskOffset), 0);
    if (target === undefined) native.unmask(bytes, rotatedKey);
    // Its mask() writes `length` bytes from `offset` unchecked: bounded here to the target, as
    // Buffer.copy and the SIMD path bound themselves, so a view is never written past its end.
    else native.mask(bytes, rotatedKey, target, targetStart, Math.max(0, Math.min(bytes.length, target.length - targetStart)));
  };
}

function loadNative(): BufferUtil | undefined {
  try {
    /* eslint-disable @typescript-eslint/no-require-imports -- an optional dependency, needed synchronously by the first frame */
    const loaded = require('bufferutil') as BufferUtil;
    // Its index falls back to a JS loop when the binary cannot load; ours is faster than that one.
    const fallback = require('bufferutil/fallback') as BufferUtil;
    /* eslint-enable @typescript-eslint/no-require-imports */
    return loaded.mask === fallback.mask ? undefined : loaded;
  } catch {
    return undefined;
  }
}
