// UTF-8 sequences for text messages (RFC 6455 §8.1, RFC 3629), after the Autobahn testsuite's
// case 6 and Markus Kuhn's decoder stress test. Each entry states its expected validity;
// the table checks itself against the platform's WHATWG decoder when it loads.
import { hex } from './hex';

export interface Utf8Case {
  name: string;
  bytes: Buffer;
  isValid: boolean;
  /**
   * For invalid cases: the length of the shortest prefix that no continuation can make valid,
   * i.e. where a fail-fast validator must stop. Null when the fault is only visible at the end
   * of the message (a truncated sequence).
   */
  failFastBytes: number | null;
}

const GREEK = 'ce ba e1 bd b9 cf 83 ce bc ce b5'; // κόσμε
const EDITED = Buffer.from('edited').toString('hex');

const byteRange = (from: number, to: number, after = ''): string =>
  Array.from({ length: to - from + 1 }, (_, i) => (from + i).toString(16).padStart(2, '0') + after).join(' ');

const VALID: [string, string][] = [
  ['an empty message', ''],
  ['plain ASCII', Buffer.from('Hello, world!').toString('hex')],
  ['ASCII control characters, NUL and DEL', '00 01 09 0a 1f 7f'],
  ['Latin-1 letters', Buffer.from('Hello-µ@ßöäüàá-UTF-8!!').toString('hex')],
  ["the Greek word 'κόσμε'", GREEK],
  ['CJK text', Buffer.from('日本語のテキスト').toString('hex')],
  ['1-, 2-, 3- and 4-byte code points mixed', Buffer.from('aé€😀aé€😀').toString('hex')],
  ['U+007F, the last 1-byte code point', '7f'],
  ['U+0080, the first 2-byte code point', 'c2 80'],
  ['U+07FF, the last 2-byte code point', 'df bf'],
  ['U+0800, the first 3-byte code point', 'e0 a0 80'],
  ['U+D7FF, the last code point before the surrogates', 'ed 9f bf'],
  ['U+E000, the first code point after the surrogates', 'ee 80 80'],
  ['U+FEFF, the byte order mark', 'ef bb bf'],
  ['U+FFFD, the replacement character', 'ef bf bd'],
  ['the noncharacter U+FDD0', 'ef b7 90'],
  ['the noncharacter U+FFFE', 'ef bf be'],
  ['the noncharacter U+FFFF, the last 3-byte code point', 'ef bf bf'],
  ['U+10000, the first 4-byte code point', 'f0 90 80 80'],
  ['the emoji U+1F600', 'f0 9f 98 80'],
  ['the noncharacter U+1FFFF', 'f0 9f bf bf'],
  ['U+100000', 'f4 80 80 80'],
  ['U+10FFFF, the last code point', 'f4 8f bf bf'],
  ["'κόσμε' + U+10FFFF + 'edited'", `${GREEK} f4 8f bf bf ${EDITED}`],
];

const INVALID: [string, string][] = [
  // Lone continuation bytes.
  ['the lone continuation byte 80', '80'],
  ['the lone continuation byte bf', 'bf'],
  ['two continuation bytes 80 bf', '80 bf'],
  ['three continuation bytes 80 bf 80', '80 bf 80'],
  ['all 64 continuation bytes 80..bf', byteRange(0x80, 0xbf)],
  ["'κόσμε' + a stray continuation byte 80 + 'edited'", `${GREEK} 80 ${EDITED}`],
  // Start bytes not followed by continuation bytes.
  ...[0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xf7, 0xf8, 0xfb, 0xfc, 0xfd].map(
    (start): [string, string] => [`the lone start byte ${start.toString(16)} followed by a space`, `${start.toString(16)} 20`],
  ),
  ['all 32 two-byte start bytes c0..df, each followed by a space', byteRange(0xc0, 0xdf, ' 20')],
  ['all 16 three-byte start bytes e0..ef, each followed by a space', byteRange(0xe0, 0xef, ' 20')],
  ['all 8 four-byte start bytes f0..f7, each followed by a space', byteRange(0xf0, 0xf7, ' 20')],
  ['a 3-byte sequence cut short by ASCII: e0 a0 41', 'e0 a0 41'],
  ['a 2-byte start byte followed by another start byte: c2 c2 80', 'c2 c2 80'],
  ['a 4-byte sequence cut short by a new sequence: f0 90 80 c2 80', 'f0 90 80 c2 80'],
  // Bytes that never appear in UTF-8.
  ['the impossible byte fe', 'fe'],
  ['the impossible byte ff', 'ff'],
  ['the impossible bytes fe fe ff ff', 'fe fe ff ff'],
  ["'Hello' + ff + 'world'", `${Buffer.from('Hello').toString('hex')} ff ${Buffer.from('world').toString('hex')}`],
  // Overlong encodings.
  ["'/' overlong in 2 bytes: c0 af", 'c0 af'],
  ["'/' overlong in 3 bytes: e0 80 af", 'e0 80 af'],
  ["'/' overlong in 4 bytes: f0 80 80 af", 'f0 80 80 af'],
  ["'/' overlong in 5 bytes: f8 80 80 80 af", 'f8 80 80 80 af'],
  ["'/' overlong in 6 bytes: fc 80 80 80 80 af", 'fc 80 80 80 80 af'],
  ['the largest 2-byte overlong: c1 bf', 'c1 bf'],
  ['the largest 3-byte overlong: e0 9f bf', 'e0 9f bf'],
  ['the largest 4-byte overlong: f0 8f bf bf', 'f0 8f bf bf'],
  ['NUL overlong in 2 bytes: c0 80', 'c0 80'],
  ['NUL overlong in 3 bytes: e0 80 80', 'e0 80 80'],
  ['NUL overlong in 4 bytes: f0 80 80 80', 'f0 80 80 80'],
  // UTF-16 surrogates, alone and paired (RFC 3629 §3 forbids them).
  ['the high surrogate U+D800: ed a0 80', 'ed a0 80'],
  ['the high surrogate U+DB7F: ed ad bf', 'ed ad bf'],
  ['the high surrogate U+DB80: ed ae 80', 'ed ae 80'],
  ['the high surrogate U+DBFF: ed af bf', 'ed af bf'],
  ['the low surrogate U+DC00: ed b0 80', 'ed b0 80'],
  ['the low surrogate U+DF80: ed be 80', 'ed be 80'],
  ['the low surrogate U+DFFF: ed bf bf', 'ed bf bf'],
  ['the surrogate pair U+D800 U+DC00', 'ed a0 80 ed b0 80'],
  ['the surrogate pair U+D800 U+DFFF', 'ed a0 80 ed bf bf'],
  ['the surrogate pair U+DB7F U+DC00', 'ed ad bf ed b0 80'],
  ['the surrogate pair U+DBFF U+DFFF', 'ed af bf ed bf bf'],
  ["'κόσμε' + the surrogate ed a0 80 + 'edited'", `${GREEK} ed a0 80 ${EDITED}`],
  // Beyond U+10FFFF.
  ['U+110000: f4 90 80 80', 'f4 90 80 80'],
  ['U+13FFFF: f4 bf bf bf', 'f4 bf bf bf'],
  ['the start byte f5: f5 80 80 80', 'f5 80 80 80'],
  ['U+1FFFFF in 4 bytes: f7 bf bf bf', 'f7 bf bf bf'],
  ["'κόσμε' + U+110000 + 'edited'", `${GREEK} f4 90 80 80 ${EDITED}`],
  // Sequences truncated at the end of the message.
  ['a 2-byte sequence missing its last byte at the end: c2', 'c2'],
  ['a 2-byte sequence missing its last byte at the end: df', 'df'],
  ['a 3-byte sequence missing 2 bytes at the end: e0', 'e0'],
  ['a 3-byte sequence missing its last byte at the end: e0 a0', 'e0 a0'],
  ['a 3-byte sequence missing its last byte at the end: ef bf', 'ef bf'],
  ['a 4-byte sequence missing 3 bytes at the end: f0', 'f0'],
  ['a 4-byte sequence missing its last byte at the end: f0 90 80', 'f0 90 80'],
  ['a 4-byte sequence missing its last byte at the end: f4 8f bf', 'f4 8f bf'],
  ["'κόσμε' + a truncated 2-byte sequence ce", `${GREEK} ce`],
  ["'κόσμε' + a truncated 4-byte sequence f4 8f bf", `${GREEK} f4 8f bf`],
  ['all incomplete sequences concatenated', 'c0 e0 80 f0 80 80 f8 80 80 80 fc 80 80 80 80 df ef bf f7 bf bf fb bf bf bf fd bf bf bf bf'],
];

/**
 * The shortest prefix of `bytes` that no continuation can make valid UTF-8, after the
 * well-formed byte sequences of Unicode table 3-7; null if every prefix could still be completed.
 */
const failFastLength = (bytes: Buffer): number | null => {
  let needed = 0;
  let lower = 0x80;
  let upper = 0xbf;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (needed > 0) {
      if (byte < lower || byte > upper) return i + 1;
      needed--;
      lower = 0x80;
      upper = 0xbf;
      continue;
    }
    if (byte <= 0x7f) continue;
    if (byte >= 0xc2 && byte <= 0xdf) needed = 1;
    else if (byte >= 0xe0 && byte <= 0xef) {
      needed = 2;
      if (byte === 0xe0) lower = 0xa0; // overlong below U+0800
      if (byte === 0xed) upper = 0x9f; // surrogates U+D800..U+DFFF
    } else if (byte >= 0xf0 && byte <= 0xf4) {
      needed = 3;
      if (byte === 0xf0) lower = 0x90; // overlong below U+10000
      if (byte === 0xf4) upper = 0x8f; // beyond U+10FFFF
    } else return i + 1;
  }
  return null;
};

const toCase = ([name, bytesHex]: [string, string], isValid: boolean): Utf8Case => {
  const bytes = hex(bytesHex);
  return { name, bytes, isValid, failFastBytes: isValid ? null : failFastLength(bytes) };
};

export const VALID_UTF8: Utf8Case[] = VALID.map((entry) => toCase(entry, true));
export const INVALID_UTF8: Utf8Case[] = INVALID.map((entry) => toCase(entry, false));

// A wrong row would make the suite assert nonsense; the WHATWG decoder is an independent referee.
for (const { name, bytes, isValid } of [...VALID_UTF8, ...INVALID_UTF8]) {
  let decodes = true;
  try {
    new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    decodes = false;
  }
  if (decodes !== isValid) throw new Error(`utf8-cases: '${name}' is listed as ${isValid ? 'valid' : 'invalid'}`);
  if (isValid && failFastLength(bytes) !== null) throw new Error(`utf8-cases: failFastLength rejects valid '${name}'`);
}
