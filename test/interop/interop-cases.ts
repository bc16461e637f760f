// Message sizes every interop client exchanges with our /echo: 0 B to 16 MiB, across the 7/16/64-bit length forms.
export const MESSAGE_SIZES = [0, 1, 125, 126, 127, 65_535, 65_536, 1 << 20, 16 << 20] as const;

/** Deterministic bytes, so a mismatch points at an offset. */
export const binaryOf = (size: number): Buffer => {
  const bytes = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + 7) & 0xff;
  return bytes;
};

/** Valid UTF-8 text of exactly `size` bytes, mixing 1-, 2-, 3- and 4-byte code points. */
export const textOf = (size: number): string => {
  const unit = 'aé€😀'; // 1 + 2 + 3 + 4 = 10 bytes
  const whole = unit.repeat(Math.floor(size / 10));
  return whole + 'x'.repeat(size - Buffer.byteLength(whole));
};

export const sizeLabel = (size: number): string =>
  size >= 1 << 20 ? `${size / (1 << 20)} MiB` : size >= 1024 ? `${size} B` : `${size} B`;
