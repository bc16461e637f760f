import { HandshakeRefusal } from '../../../lib/protocol/handshake-refusal';
import { HeadReader, parseRequestHead } from '../../../lib/transport/request-head';
import { forEachChunking } from '../../helpers/chunking';

// The own port's request head, read strictly (RFC 9112 §2–§5): anything a server may reject is 400.
const HANDSHAKE = 'GET /chat?room=a HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
const headWith = (headerLines: string): string => `GET /chat HTTP/1.1\r\nHost: example.com\r\n${headerLines}\r\n\r\n`;

describe('HeadReader', () => {
  const readAll = (chunks: Buffer[]) => {
    const reader = new HeadReader();
    const completions = chunks.map((chunk) => reader.push(chunk));
    return { firstAt: completions.findIndex((completion) => completion !== undefined), first: completions.find((completion) => completion !== undefined), receivedBytes: reader.receivedBytes };
  };

  it('finds the end of the head under every chunking, with the bytes after it, in the read that completes it', () => {
    const frame = Buffer.from([0x81, 0x82, 1, 2, 3, 4, 0x0d, 0x0a]); // a masked frame whose mask key ends in CR LF
    const bytes = Buffer.concat([Buffer.from(HANDSHAKE), frame]);
    forEachChunking(bytes, (chunks) => {
      const { firstAt, first } = readAll(chunks);
      // The read that brings the head's last byte.
      let completing = -1;
      for (let total = 0; total < HANDSHAKE.length; ) total += chunks[++completing].length;
      expect({ firstAt, end: first?.end, bytes: first?.bytes.subarray(0, Buffer.concat(chunks.slice(0, firstAt + 1)).length) }).toEqual({
        firstAt: completing,
        end: HANDSHAKE.length,
        bytes: Buffer.concat(chunks.slice(0, completing + 1)),
      });
    });
  });

  it('counts what it received while the head is incomplete', () => {
    expect(readAll([Buffer.from('GET / HTTP/1.1\r\n'), Buffer.from('Host: a\r\n\r')])).toEqual({ firstAt: -1, first: undefined, receivedBytes: 26 });
  });

  // A read kept as its own Buffer costs about 200 bytes of heap however few bytes it holds: a head
  // trickled one byte per read (slow-loris, 16 KiB per socket) cost ~3 MiB of heap per socket.
  it('keeps no read it was given once it returns: each incomplete read is copied into one buffer', () => {
    const head = Buffer.from(headWith(`X-Pad: ${'p'.repeat(4000)}`));
    const reader = new HeadReader();
    for (let i = 0; i < head.length - 1; i++) {
      const read = Buffer.from(head.subarray(i, i + 1));
      expect(reader.push(read)).toBeUndefined();
      read.fill('Z'); // a reader holding on to `read` would hand out these bytes
    }
    const completion = reader.push(Buffer.from(head.subarray(head.length - 1)));

    expect(completion?.bytes.toString('latin1')).toBe(head.toString('latin1'));
    expect(completion?.end).toBe(head.length);
  });

  it('notes a byte no head may have while the head is incomplete, a CR and its LF in separate reads being none', () => {
    const noted = (...reads: string[]) => {
      const reader = new HeadReader();
      for (const read of reads) reader.push(Buffer.from(read, 'latin1'));
      return reader.isMalformed;
    };
    expect([noted('GET / HTTP/1.1\r', '\nHost: a\r\n'), noted('GET / HTTP/1.1\n'), noted('\x16\x03\x01'), noted('GET / HTTP/1.1\r\nX: caf\xe9\t\r\n')]).toEqual([false, true, true, false]);
  });
});

describe('parseRequestHead', () => {
  it('reads method, target, version and the headers as sent, values without surrounding whitespace', () => {
    expect(parseRequestHead(headWith('X-Spaced: \t a b \t\r\nx-lower:v'))).toEqual({
      method: 'GET',
      url: '/chat',
      httpVersion: '1.1',
      rawHeaders: ['Host', 'example.com', 'X-Spaced', 'a b', 'x-lower', 'v'],
    });
  });

  it('reads a whole handshake head', () => {
    const head = parseRequestHead(HANDSHAKE);
    expect(head).not.toBeInstanceOf(HandshakeRefusal);
    expect(head).toMatchObject({ url: '/chat?room=a', rawHeaders: expect.arrayContaining(['Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ==']) });
  });

  it('keeps obs-text (latin1 0x80-0xFF) in a value, and a no-break space at its edge', () => {
    expect(parseRequestHead(headWith('X-Name: \xa0caf\xe9\xa0'))).toMatchObject({ rawHeaders: ['Host', 'example.com', 'X-Name', '\xa0caf\xe9\xa0'] });
  });

  it('accepts Content-Length: 0 and HTTP/1.0 (the handshake rules refuse 1.0 later, with their own reason)', () => {
    expect(parseRequestHead(headWith('Content-Length: 0'))).not.toBeInstanceOf(HandshakeRefusal);
    expect(parseRequestHead('GET / HTTP/1.0\r\nHost: a\r\n\r\n')).toMatchObject({ httpVersion: '1.0' });
  });

  it.each([
    ['an empty request line', '\r\nHost: a\r\n\r\n', 'malformed request line'],
    ['two spaces in the request line', 'GET  /chat HTTP/1.1\r\nHost: a\r\n\r\n', 'malformed request line'],
    ['a tab for a space', 'GET\t/chat HTTP/1.1\r\nHost: a\r\n\r\n', 'malformed request line'],
    ['a method that is not a token', 'G(T /chat HTTP/1.1\r\nHost: a\r\n\r\n', 'malformed request method'],
    ['a control character in the target', 'GET /ch\x01at HTTP/1.1\r\nHost: a\r\n\r\n', 'malformed request target'],
    ['non-ASCII in the target', 'GET /caf\xe9 HTTP/1.1\r\nHost: a\r\n\r\n', 'malformed request target'],
    ['a lower-case version', 'GET /chat http/1.1\r\nHost: a\r\n\r\n', 'this port speaks HTTP/1.1'],
    ['HTTP/2.0', 'GET /chat HTTP/2.0\r\nHost: a\r\n\r\n', 'this port speaks HTTP/1.1'],
    ['a two-digit minor version', 'GET /chat HTTP/1.10\r\nHost: a\r\n\r\n', 'this port speaks HTTP/1.1'],
    ['the HTTP/2 preface', 'PRI * HTTP/2.0\r\n\r\n', 'this port speaks HTTP/1.1'],
    ['whitespace before a colon (§5.1)', headWith('Upgrade : websocket'), 'malformed header name'],
    ['a folded line (obs-fold, §5.2)', headWith('X-A: one\r\n two'), 'malformed header line'],
    ['a line without a colon', headWith('Upgrade websocket'), 'malformed header line'],
    ['an empty header name', headWith(': websocket'), 'malformed header line'],
    ['a bare LF inside a value', headWith('X-A: one\nX-B: two'), 'control character in a header value'],
    ['a bare LF at the end of a value', headWith('X-A: one\n'), 'control character in a header value'],
    ['a bare CR inside a value', headWith('X-A: one\rtwo'), 'control character in a header value'],
    ['a NUL in a value', headWith('X-A: o\x00ne'), 'control character in a header value'],
    ['a DEL in a value', headWith('X-A: o\x7fne'), 'control character in a header value'],
    ['Transfer-Encoding (a body would be read as frames)', headWith('Transfer-Encoding: chunked'), 'a WebSocket handshake has no body'],
    ['a non-zero Content-Length', headWith('content-length: 5'), 'a WebSocket handshake has no body'],
  ])('refuses %s with 400', (_case, text, reason) => {
    expect(parseRequestHead(text)).toEqual(new HandshakeRefusal(400, reason));
  });
});
