import { isAscii, isUtf8 } from 'node:buffer';

// RFC 3629 §4 / Unicode Table 3-7: the well-formed byte sequences. The state is how many
// continuation bytes are still owed, plus the narrower range the next one must fall in
// (E0 A0-BF, ED 80-9F, F0 90-BF, F4 80-8F rule out overlongs, surrogates and > U+10FFFF).

/**
 * Streaming UTF-8 validation for text messages that arrive in pieces (RFC 6455 §8.1).
 * §5.6 lets a code point straddle two fragments, so the state survives between writes.
 * `write()` returns false at the first byte that cannot start or continue a sequence.
 */
export class Utf8Validator {
  private owed = 0; // continuation bytes still expected
  private lower = 0x80; // range for the next continuation byte
  private upper = 0xbf;
  /** Every byte written since the last end() was below 0x80 (see textEvent: ASCII decodes as latin1). */
  isAscii = true;

  /** False as soon as `bytes` holds an invalid byte; the validator is then spent. */
  write(bytes: Uint8Array): boolean {
    // Fast paths, at a code-point boundary: ASCII (the cheapest native scan, it stops at the first
    // byte ≥ 0x80), then a chunk that is complete, valid UTF-8.
    if (this.owed === 0) {
      if (this.isAscii && isAscii(bytes)) return true;
      this.isAscii = false;
      if (isUtf8(bytes)) return true;
    }
    this.isAscii = false;
    return this.scan(bytes);
  }

  /** True when the text ended on a code-point boundary. Resets for the next message. */
  end(): boolean {
    const isComplete = this.owed === 0;
    this.reset();
    return isComplete;
  }

  reset(): void {
    this.owed = 0;
    this.lower = 0x80;
    this.upper = 0xbf;
    this.isAscii = true;
  }

  private scan(bytes: Uint8Array): boolean {
    let owed = this.owed, lower = this.lower, upper = this.upper;
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i];
      if (owed > 0) {
        if (byte < lower || byte > upper) return false;
        owed--;
        lower = 0x80;
        upper = 0xbf;
        continue;
      }
      if (byte < 0x80) continue;
      if (byte >= 0xc2 && byte <= 0xdf) owed = 1;
      else if (byte >= 0xe0 && byte <= 0xef) {
        owed = 2;
        if (byte === 0xe0) lower = 0xa0; // overlong
        else if (byte === 0xed) upper = 0x9f; // surrogates U+D800-DFFF
      } else if (byte >= 0xf0 && byte <= 0xf4) {
        owed = 3;
        if (byte === 0xf0) lower = 0x90; // overlong
        else if (byte === 0xf4) upper = 0x8f; // above U+10FFFF
      } else return false; // 80-C1 (stray continuation, overlong lead) and F5-FF
    }
    this.owed = owed;
    this.lower = lower;
    this.upper = upper;
    return true;
  }
}
