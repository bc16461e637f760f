import { createNativeMask } from './native-masking';
import { createSimdMask } from './simd-masking';

const IS_LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
/**
 * From this length a payload is XORed in native code or 16 bytes (WebAssembly SIMD) or a word (JS) at
 * a time; below it a call, a copy or a typed-array view costs more than it saves (64 B: 0.06 µs in
 * SIMD, 0.10 µs in JS).
 */
const WORDS_FROM_BYTES = 64;

/**
 * RFC 6455 §5.3: XOR each payload byte with maskKey[(maskOffset + i) % 4], in place.
 * `maskOffset` lets a payload that arrives in pieces be unmasked piece by piece.
 */
export function applyMask(bytes: Buffer, maskKey: Buffer, maskOffset = 0): void {
  applyMaskKey(bytes, maskKey.readUInt32BE(0), maskOffset);
}

/** Which of the three unmasks payloads from WORDS_FROM_BYTES on, the fastest this process has. */
export type MaskingImplementation = 'native' | 'simd' | 'js';

/** Native code (the optional `bufferutil`) where installed; else WebAssembly SIMD where the runtime has it; else the JS loop below. */
const nativeMask = createNativeMask();
const fastMask = nativeMask ?? createSimdMask();

/**
 * How this process unmasks client frames (RFC 6455 §5.3) of 64 bytes and more: `native` with the
 * optional dependency `bufferutil` installed (npm installs it unless told `--omit=optional`),
 * else `simd` (WebAssembly), else `js` (Node run with `--jitless`). docs/performance.md.
 */
export const MASKING_IMPLEMENTATION: MaskingImplementation = nativeMask !== undefined ? 'native' : fastMask !== undefined ? 'simd' : 'js';

/** applyMask with the 4 key bytes as one big-endian 32-bit number: the parser reads them without a Buffer. */
export function applyMaskKey(bytes: Buffer, key: number, maskOffset = 0): void {
  if (fastMask !== undefined && bytes.length >= WORDS_FROM_BYTES) fastMask(bytes, key, maskOffset);
  else applyMaskKeyInJs(bytes, key, maskOffset);
}

/**
 * The still-masked pieces of one frame's payload (§5.3, key as in applyMaskKey, the first piece at
 * mask offset 0), unmasked and joined: each piece is unmasked straight into the joined buffer,
 * so its bytes are copied once, not unmasked in place and then copied again. One piece is
 * unmasked in place and returned.
 */
export function unmaskJoined(pieces: readonly Buffer[], totalBytes: number, key: number): Buffer {
  if (pieces.length === 1) {
    applyMaskKey(pieces[0], key);
    return pieces[0];
  }
  const joined = Buffer.allocUnsafe(totalBytes);
  let at = 0;
  for (const piece of pieces) at += unmaskInto(piece, key, at, joined);
  return joined;
}

/**
 * Writes `piece`, the still-masked payload bytes from `maskOffset` on (§5.3, key as in applyMaskKey),
 * unmasked to target[maskOffset…]: one copy, `piece` left as it was. Returns the bytes written.
 */
export function unmaskInto(piece: Buffer, key: number, maskOffset: number, target: Buffer): number {
  if (fastMask !== undefined && piece.length >= WORDS_FROM_BYTES) fastMask(piece, key, maskOffset, target, maskOffset);
  else {
    piece.copy(target, maskOffset);
    applyMaskKeyInJs(target.subarray(maskOffset, maskOffset + piece.length), key, maskOffset);
  }
  return piece.length;
}

function applyMaskKeyInJs(bytes: Buffer, key: number, maskOffset: number): void {
  const length = bytes.length;
  let i = 0;
  if (length >= WORDS_FROM_BYTES) {
    // Step to a 4-byte boundary of memory, then one 32-bit XOR per word with the key turned to
    // match: a large payload follows a 14-byte header (§5.2), so its start is rarely aligned.
    for (; ((bytes.byteOffset + i) & 3) !== 0; i++) bytes[i] ^= keyByte(key, maskOffset + i);
    const words = new Uint32Array(bytes.buffer, bytes.byteOffset + i, (length - i) >>> 2);
    const word = wordOf(key, (maskOffset + i) & 3);
    for (let w = 0; w < words.length; w++) words[w] ^= word;
    i += words.length << 2;
  } else {
    const phase = maskOffset & 3;
    const k0 = keyByte(key, phase), k1 = keyByte(key, phase + 1), k2 = keyByte(key, phase + 2), k3 = keyByte(key, phase + 3);
    for (; i + 3 < length; i += 4) {
      bytes[i] ^= k0;
      bytes[i + 1] ^= k1;
      bytes[i + 2] ^= k2;
      bytes[i + 3] ^= k3;
    }
  }
  for (; i < length; i++) bytes[i] ^= keyByte(key, maskOffset + i);
}

/**
 * Unmasks bytes[start, end) in place (§5.3, key as in applyMaskKey; 0 leaves them as they are) and
 * returns the OR of the unmasked bytes: below 0x80 means the range is ASCII, so valid UTF-8.
 */
export function unmaskRange(bytes: Buffer, start: number, end: number, key: number): number {
  const k0 = key >>> 24, k1 = (key >>> 16) & 0xff, k2 = (key >>> 8) & 0xff, k3 = key & 0xff;
  let seen = 0;
  let i = start;
  for (; i + 3 < end; i += 4) {
    const b0 = bytes[i] ^ k0, b1 = bytes[i + 1] ^ k1, b2 = bytes[i + 2] ^ k2, b3 = bytes[i + 3] ^ k3;
    bytes[i] = b0;
    bytes[i + 1] = b1;
    bytes[i + 2] = b2;
    bytes[i + 3] = b3;
    seen |= b0 | b1 | b2 | b3;
  }
  for (let k = 0; i < end; i++, k++) seen |= bytes[i] ^= keyByte(key, k);
  return seen;
}

function keyByte(key: number, index: number): number {
  return (key >>> (24 - 8 * (index & 3))) & 0xff;
}

/** The key as a word of memory whose first byte takes key byte `phase` (§5.3: byte i uses key[i % 4]). */
function wordOf(key: number, phase: number): number {
  const b0 = keyByte(key, phase), b1 = keyByte(key, phase + 1), b2 = keyByte(key, phase + 2), b3 = keyByte(key, phase + 3);
  return (IS_LITTLE_ENDIAN ? b0 | (b1 << 8) | (b2 << 16) | (b3 << 24) : (b0 << 24) | (b1 << 16) | (b2 << 8) | b3) >>> 0;
}
