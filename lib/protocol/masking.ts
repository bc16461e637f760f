const IS_LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * RFC 6455 §5.3: XOR each payload byte with maskKey[(maskOffset + i) % 4], in place.
 * `maskOffset` lets a payload that arrives in pieces be unmasked piece by piece.
 */
export function applyMask(bytes: Buffer, maskKey: Buffer, maskOffset = 0): void {
  applyMaskKey(bytes, maskKey.readUInt32BE(0), maskOffset);
}

/** applyMask with the 4 key bytes as one big-endian 32-bit number: the parser reads them without a Buffer. */
export function applyMaskKey(bytes: Buffer, key: number, maskOffset = 0): void {
  const length = bytes.length;
  const k0 = key >>> 24, k1 = (key >>> 16) & 0xff, k2 = (key >>> 8) & 0xff, k3 = key & 0xff;
  let i = 0;
  // Step until the key lines up with byte 0 of the key, then work 4 bytes at a time.
  for (; i < length && ((maskOffset + i) & 3) !== 0; i++) bytes[i] ^= keyByte(key, maskOffset + i);
  if (length - i >= 64 && (bytes.byteOffset + i) % 4 === 0) {
    // Aligned and long enough: one 32-bit XOR per word beats four byte XORs.
    const words = new Uint32Array(bytes.buffer, bytes.byteOffset + i, (length - i) >>> 2);
    const word = IS_LITTLE_ENDIAN ? (k0 | (k1 << 8) | (k2 << 16) | (k3 << 24)) >>> 0 : key;
    for (let w = 0; w < words.length; w++) words[w] ^= word;
    i += words.length << 2;
  } else {
    for (; i + 3 < length; i += 4) {
      bytes[i] ^= k0;
      bytes[i + 1] ^= k1;
      bytes[i + 2] ^= k2;
      bytes[i + 3] ^= k3;
    }
  }
  for (let k = 0; i < length; i++, k++) bytes[i] ^= keyByte(key, k);
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
