// The committed seed corpus, as code: `npm run fuzz -- --write-seeds` writes these files into
// corpus/<target>/ (next to any crash inputs kept there as regressions). Small, and each one
// reaches a different part of its target.
import { FuzzTargetName } from './targets';

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const text = (mode: number, body: string): Buffer => Buffer.concat([Buffer.from([mode]), Buffer.from(body, 'latin1')]);
/** A frame parser input: options byte 0x04 (1 KiB limit, no fragment cap, raw bytes), chunking seed, bytes. */
const raw = (bytes: string, mode = 0x04): Buffer => Buffer.concat([Buffer.from([mode, 0x2a]), hex(bytes)]);
/** Structured mode (mode bit 0): [header, length, mask seed, payload…] per frame. */
const structured = (frames: [number, number, string][], mode = 0x05): Buffer =>
  Buffer.concat([Buffer.from([mode, 0x07]), ...frames.map(([header, lengthFlags, payload]) => {
    const body = Buffer.from(payload, 'utf8');
    return Buffer.concat([Buffer.from([header, lengthFlags | body.length, 0x33]), body]);
  })]);

const FRAME_SEEDS: Record<string, Buffer> = {
  'masked-text-hello': raw('81 85 37 fa 21 3d 7f 9f 4d 51 58'),
  'fragmented-text': raw('01 83 37 fa 21 3d 7f 9f 4d 80 82 37 fa 21 3d 5b 95'),
  'ping-then-close-1000': raw('89 80 00 00 00 00 88 85 00 00 00 00 03 e8 62 79 65'),
  'binary-16-bit-length': raw(`82 fe 00 c8 00 00 00 00 ${'ab'.repeat(200)}`, 0x06),
  'length-64-bit': raw('82 ff 00 00 00 00 00 01 00 00 00 00 00 00', 0x06),
  'unmasked-text': raw('81 02 68 69'),
  'invalid-utf8': raw('81 82 00 00 00 00 c0 af'),
  'utf8-split-across-fragments': raw('01 82 00 00 00 00 f0 9f 80 82 00 00 00 00 98 80'),
  'close-invalid-code': raw('88 82 00 00 00 00 03 ed'),
  'structured-fragments-and-control': structured([[0x01, 0, 'frag'], [0x89, 0, 'ping'], [0x00, 0, 'ment'], [0x80, 0, 'ed'], [0x88, 0, '\u0003\u00e8ok']]),
  'structured-repeated-payload': structured([[0x82, 0x40, 'sixty-four times'], [0x81, 0, 'done']], 0x07),
  'structured-fragment-cap': structured([[0x01, 0, 'a'], [0x00, 0, 'b'], [0x00, 0, 'c'], [0x80, 0, 'd']], 0x15),
};

const DEFLATE_SEEDS: Record<string, Buffer> = {
  ...FRAME_SEEDS,
  'rsv1-text': raw('c1 87 00 00 00 00 f2 48 cd c9 c9 07 00'),
  'rsv1-fragmented': raw('41 83 00 00 00 00 f2 48 cd 80 84 00 00 00 00 c9 c9 07 00'),
  'rsv1-on-continuation': raw('01 81 00 00 00 00 61 c0 81 00 00 00 00 62'),
  'structured-rsv1': structured([[0xc2, 0, 'compressed?'], [0x41, 0, 'first'], [0x80, 0, 'last']]),
};

const VALID_REQUEST = 'GET HTTP/1.1\nHost:127.0.0.1\nUpgrade:websocket\nConnection:Upgrade\nSec-WebSocket-Key:dGhlIHNhbXBsZSBub25jZQ==\nSec-WebSocket-Version:13';

const HANDSHAKE_SEEDS: Record<string, Buffer> = {
  'valid-request': text(0, VALID_REQUEST),
  'valid-with-protocols-and-extensions': text(0, `${VALID_REQUEST}\nSec-WebSocket-Protocol:chat, superchat\nSec-WebSocket-Extensions:permessage-deflate; client_max_window_bits, x-foo; a="b"\nOrigin:https://app.example.com`),
  'base-then-duplicate-key': text(1, 'GET HTTP/1.1\nSec-WebSocket-Key:AQIDBAUGBwgJCgsMDQ4PEA=='),
  'base-then-protocol-list': text(1, 'GET HTTP/1.1\nSec-WebSocket-Protocol:a,,b , c\nSec-WebSocket-Protocol:d'),
  'version-8': text(0, VALID_REQUEST.replace('Version:13', 'Version:8')),
  'http-1.0': text(2, 'GET HTTP/1.0'),
  'post': text(2, 'POST HTTP/1.1'),
  'upgrade-token-lists': text(0, VALID_REQUEST.replace('Upgrade:websocket', 'Upgrade:h2c, WebSocket').replace('Connection:Upgrade', 'Connection:keep-alive, upgrade')),
};

const EXTENSION_SEEDS: Record<string, Buffer> = {
  'permessage-deflate-plain': text(0, 'permessage-deflate'),
  'client-window-bits': text(0x20, 'permessage-deflate; client_max_window_bits; server_max_window_bits=10'),
  'quoted-value': text(0x04, 'permessage-deflate; client_max_window_bits="10"'),
  'two-offers-takeover': text(0x03, 'permessage-deflate; server_no_context_takeover; client_no_context_takeover, permessage-deflate'),
  'unknown-then-deflate': text(0x40, 'x-webkit-deflate-frame, permessage-deflate; server_max_window_bits=8\npermessage-deflate; server_max_window_bits=12'),
  'duplicate-param': text(0, 'permessage-deflate; client_max_window_bits=9; client_max_window_bits=10'),
  'escaped-quotes': text(0, 'foo; bar="b\\"a\\\\z"; baz, permessage-deflate;'),
};

const ENVELOPE_SEEDS: Record<string, Buffer> = {
  'request-with-id': text(0, '{"event":"echo","data":{"a":[1,2.5,"x",null,true]},"id":7}'),
  'string-id': text(0, '{"event":"join","data":"lobby","id":"req-1"}'),
  'no-data': text(0, '{"event":"ping"}'),
  'empty-event': text(0, '{"event":"","data":1}'),
  'bad-id': text(0, '{"event":"e","id":{"x":1}}'),
  'array': text(0, '[{"event":"e"}]'),
  'not-json': text(0, '{"event":"e",'),
  'binary-message': text(1, '{"event":"echo"}'),
  'unicode-and-proto': Buffer.concat([Buffer.from([0]), Buffer.from('{"event":"\u00e9\u{1f600}","data":{"__proto__":{"polluted":1}},"id":-0}', 'utf8')]),
};

export const SEEDS: Record<FuzzTargetName, Record<string, Buffer>> = {
  'frame-parser': FRAME_SEEDS,
  'frame-parser-deflate': DEFLATE_SEEDS,
  handshake: HANDSHAKE_SEEDS,
  'extension-header': EXTENSION_SEEDS,
  'envelope-codec': ENVELOPE_SEEDS,
};
