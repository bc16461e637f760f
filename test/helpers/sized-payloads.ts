// Deterministic payloads, so that a mismatch points at an offset.

/** Bytes of every value, in an order that is not a plain counter. */
export const binaryOf = (size: number): Buffer => {
  const bytes = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + 7) & 0xff;
  return bytes;
};

/** Valid UTF-8 of exactly `size` bytes mixing 1-, 2-, 3- and 4-byte code points, so chopping splits code points. */
export const textOf = (size: number): Buffer => {
  const unit = 'aé€😀'; // 1 + 2 + 3 + 4 = 10 bytes
  const whole = unit.repeat(Math.floor(size / 10));
  return Buffer.from(whole + 'x'.repeat(size - Buffer.byteLength(whole)), 'utf8');
};

export const MiB = 1 << 20;

export const sizeLabel = (size: number): string => (size >= MiB && size % MiB === 0 ? `${size / MiB} MiB` : `${size} B`);
