/** `hex('81 85 37 fa')` → the bytes, whitespace ignored: wire bytes written literally in tests. */
export function hex(text: string): Buffer {
  const digits = text.replace(/\s+/g, '');
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(digits)) throw new Error(`not an even number of hex digits: ${text}`);
  return Buffer.from(digits, 'hex');
}

