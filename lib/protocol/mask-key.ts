/**
 * The 4 mask-key bytes (§5.3, as one big-endian number) turned so the first is key byte
 * `maskOffset % 4`: the key a payload piece starting `maskOffset` bytes in is XORed with from its
 * own first byte on (byte i uses key[(maskOffset + i) % 4]).
 */
export function keyFromOffset(key: number, maskOffset: number): number {
  const rotate = (maskOffset & 3) * 8;
  return rotate === 0 ? key : ((key << rotate) | (key >>> (32 - rotate))) >>> 0;
}
