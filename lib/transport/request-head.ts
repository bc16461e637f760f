import { HandshakeRefusal } from '../protocol/handshake-refusal';

/** A request head read strictly (RFC 9112 §2–§5): what the own-port server hands to the upgrade listener. */
export interface RequestHead {
  method: string;
  /** The request target as sent. */
  url: string;
  /** "1.1" for HTTP/1.1. */
  httpVersion: string;
  /** [name, value, name, value, …] as received (values without their surrounding whitespace). */
  rawHeaders: string[];
}

const CRLF_CRLF = Buffer.from('\r\n\r\n');
/** RFC 9110 §5.6.2: token = 1*tchar. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** A request target: visible ASCII, no space (RFC 9112 §3.2; a space in it splits the request line). */
const TARGET = /^[\x21-\x7e]+$/;
/** RFC 9112 §2.3: HTTP-version is case-sensitive, one digit each side. */
const VERSION = /^HTTP\/(\d)\.(\d)$/;
/** RFC 9110 §5.5: field-value is VCHAR, SP, HTAB and obs-text; any other control (a bare CR or LF too) is refused. */
const INVALID_VALUE_CHAR = /[\x00-\x08\x0a-\x1f\x7f]/;

const badRequest = (reason: string): HandshakeRefusal => new HandshakeRefusal(400, reason);

/** The blank line may straddle reads, even four reads of one byte: each read is searched after this many bytes of those before. */
const STRADDLE_BYTES = CRLF_CRLF.length - 1;
const EMPTY = Buffer.alloc(0);

/** A complete head, and what followed it in the same reads. */
export interface HeadBytes {
  /** Every byte read so far, joined once. */
  bytes: Buffer;
  /** Where the head ends in `bytes`: the offset after its blank line. */
  end: number;
}

/**
 * Collects a request head across reads. Each read is searched once, after the last bytes of those
 * before, and copied once into one buffer that doubles as it fills: a head trickled byte by byte
 * costs no more than one sent whole, in CPU and in memory (a read kept as its own Buffer costs
 * about 200 bytes of heap, however few bytes it holds).
 */
export class HeadReader {
  /** The reads before the current one, in its first `byteLength` bytes. */
  private buffer = EMPTY;
  private byteLength = 0;
  private tail = EMPTY;
  private lastByte = -1;
  private malformed = false;

  get receivedBytes(): number {
    return this.byteLength;
  }

  /**
   * The head so far has a byte no head may have (a control other than HTAB, CR and LF, or an LF
   * without its CR: a TLS ClientHello, a head with bare LF line ends): parseRequestHead would refuse
   * it, and its blank line may never come. node:http answers 400 at once; so do we.
   */
  get isMalformed(): boolean {
    return this.malformed;
  }

  /** The head and what followed it once the blank line has arrived; undefined before. */
  push(chunk: Buffer): HeadBytes | undefined {
    const probe = this.tail.length === 0 ? chunk : Buffer.concat([this.tail, chunk]);
    const at = probe.indexOf(CRLF_CRLF);
    const before = this.byteLength - this.tail.length;
    if (at === -1) {
      this.append(chunk);
      this.tail = Buffer.from(probe.subarray(Math.max(0, probe.length - STRADDLE_BYTES)));
      this.malformed ||= this.hasForbiddenByte(chunk);
      return undefined;
    }
    const bytes = this.byteLength === 0 ? chunk : Buffer.concat([this.buffer.subarray(0, this.byteLength), chunk]);
    this.byteLength += chunk.length;
    return { bytes, end: before + at + CRLF_CRLF.length };
  }

  private append(chunk: Buffer): void {
    const needed = this.byteLength + chunk.length;
    if (needed > this.buffer.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, 2 * this.buffer.length, 256));
      this.buffer.copy(grown, 0, 0, this.byteLength);
      this.buffer = grown;
    }
    chunk.copy(this.buffer, this.byteLength);
    this.byteLength = needed;
  }

  /** Only read while the head is incomplete: a complete one is judged by parseRequestHead, and frames follow it. */
  private hasForbiddenByte(chunk: Buffer): boolean {
    let last = this.lastByte;
    for (const byte of chunk) {
      if ((byte < 0x20 && byte !== 0x09 && byte !== 0x0d && (byte !== 0x0a || last !== 0x0d)) || byte === 0x7f) return true;
      last = byte;
    }
    this.lastByte = last;
    return false;
  }
}

/**
 * Parses a request head (the bytes up to and including its blank line, as latin1) or says why it
 * is refused: 400 for anything RFC 9112 lets a server reject, and a handshake has no body.
 */
export function parseRequestHead(text: string): RequestHead | HandshakeRefusal {
  const lines = text.split('\r\n');
  // The head ends in CRLF CRLF: the last two elements are empty.
  lines.length -= 2;
  const parts = lines[0].split(' ');
  if (parts.length !== 3) return badRequest('malformed request line');
  const [method, url, version] = parts;
  if (!TOKEN.test(method)) return badRequest('malformed request method');
  if (!TARGET.test(url)) return badRequest('malformed request target');
  const versionMatch = VERSION.exec(version);
  if (versionMatch === null || versionMatch[1] !== '1') return badRequest('this port speaks HTTP/1.1');
  const rawHeaders: string[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    const colon = line.indexOf(':');
    // §5.1: no whitespace between a field name and its colon; §5.2: obs-fold (a line starting with SP or HTAB) is refused.
    if (colon <= 0) return badRequest('malformed header line');
    const name = line.slice(0, colon);
    if (!TOKEN.test(name)) return badRequest('malformed header name');
    const value = line.slice(colon + 1);
    if (INVALID_VALUE_CHAR.test(value)) return badRequest('control character in a header value');
    rawHeaders.push(name, withoutOws(value));
  }
  const bodyRefusal = refusalOfBody(rawHeaders);
  return bodyRefusal ?? { method, url, httpVersion: `1.${versionMatch[2]}`, rawHeaders };
}

/** RFC 9110 §5.6.3: OWS is SP and HTAB only (trim() would also take obs-text's NBSP). */
function withoutOws(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && isOws(value.charCodeAt(start))) start++;
  while (end > start && isOws(value.charCodeAt(end - 1))) end--;
  return start === 0 && end === value.length ? value : value.slice(start, end);
}

const isOws = (code: number): boolean => code === 0x20 || code === 0x09;

/** The bytes after the head are WebSocket frames: a body announced by Transfer-Encoding or Content-Length would be read as frames (RFC 9112 §6.3 smuggling), so it is refused. */
function refusalOfBody(rawHeaders: readonly string[]): HandshakeRefusal | undefined {
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i];
    if (name.length === 17 && name.toLowerCase() === 'transfer-encoding') return badRequest('a WebSocket handshake has no body');
    if (name.length === 14 && name.toLowerCase() === 'content-length' && rawHeaders[i + 1] !== '0') return badRequest('a WebSocket handshake has no body');
  }
  return undefined;
}
