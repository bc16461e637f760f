import { randomFillSync } from 'node:crypto';

/** Random bytes for this many ids are drawn at once, as randomUUID() does. */
const IDS_PER_DRAW = 128;
const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1');
/** The bytes a dash precedes in a UUID's text: 8-4-4-4-12 hex digits. */
const isDashBefore = (byteIndex: number): boolean => byteIndex === 4 || byteIndex === 6 || byteIndex === 8 || byteIndex === 10;

const random = Buffer.alloc(16 * IDS_PER_DRAW);
let nextRandomAt = random.length;
const text = Buffer.alloc(36);

/**
 * A random (version 4) UUID, as one flat string. randomUUID() returns a rope of 15 strings that
 * a connection would keep for its life: 480 bytes of heap per id against 56 for this one.
 */
export function newConnectionId(): string {
  if (nextRandomAt === random.length) {
    randomFillSync(random);
    nextRandomAt = 0;
  }
  const at = nextRandomAt;
  nextRandomAt += 16;
  // RFC 9562 §5.4: version 4 in the high nibble of byte 6, variant 10 in the high bits of byte 8.
  random[at + 6] = (random[at + 6] & 0x0f) | 0x40;
  random[at + 8] = (random[at + 8] & 0x3f) | 0x80;
  let out = 0;
  for (let i = 0; i < 16; i++) {
    if (isDashBefore(i)) text[out++] = 0x2d; // '-'
    const byte = random[at + i];
    text[out++] = HEX_DIGITS[byte >> 4];
    text[out++] = HEX_DIGITS[byte & 0x0f];
  }
  return text.toString('latin1', 0, 36);
}
