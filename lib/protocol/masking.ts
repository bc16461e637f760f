const IS_LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * RFC 6455 §5.3: XOR each payload byte with maskKey[(maskOffset + i) % 4], in place.
 * `maskOffset` lets a payload that arrives in pieces be unmasked piece by piece.
 */
export function applyMask(bytes: Buffer, maskKey: Buffer, maskOffset = 0): void {
  const length = bytes.length;
  let i = 0;
  // Step until the key lines up with byte 0 of the key, then work 4 bytes at a time.
  while (i < length && ((maskOffset + i) & 3) !== 0) {
    bytes[i] ^= maskKey[(maskOffset + i) & 3];
    i++;
  }
  if (length - i >= 64 && (bytes.byteOffset + i) % 4 === 0) {
    // Aligned and long enough: one 32-bit XOR per word beats four byte XORs.
    const words = new Uint32Array(bytes.buffer, bytes.byteOffset + i, (length - i) >>> 2);
    const key = IS_LITTLE_ENDIAN ? maskKey.readUInt32LE(0) : maskKey.readUInt32BE(0);
    for (let w = 0; w < words.length; w++) words[w] ^= key;
    i += words.length << 2;
  } else {
    const k0 = maskKey[0], k1 = maskKey[1], k2 = maskKey[2], k3 = maskKey[3];
    for (; i + 3 < length; i += 4) {
      bytes[i] ^= k0;
      bytes[i + 1] ^= k1;
      bytes[i + 2] ^= k2;
      bytes[i + 3] ^= k3;
    }
  }
  for (let k = 0; i < length; i++, k++) bytes[i] ^= maskKey[k];
}
