// Fuzz target: validateUpgrade() (lib/protocol/handshake.ts) on fuzzed method, version and raw
// headers, then the 101 that would be built from what it accepted.
//
// Input (latin1 text): byte 0 — bit 0 puts a valid set of handshake headers before the fuzzed ones
// (so duplicates, protocols and extensions are reached), bit 1 puts them after; the first line is
// "METHOD VERSION"; each further line is "name:value".
//
// Invariants: it never throws and answers in linear time; a refusal is 400 or 426 (426 names
// version 13); an acceptance really is a valid handshake (GET, HTTP/1.1+, one Host, a 16-byte
// key, token subprotocols without duplicates, at most 64 extension offers with token names); the
// 101 built from it has exactly its lines, with no CR or LF smuggled in; the answer is deterministic.
import { buildAcceptResponse, selectSubprotocol, validateUpgrade, ValidUpgrade } from '../../../lib/protocol/handshake';
import { HandshakeRefusal } from '../../../lib/protocol/handshake-refusal';
import { MAX_EXTENSION_OFFERS } from '../../../lib/protocol/extensions/extension-header';
import { invariant, mustNotThrow } from '../invariant';

const VALID_HEADERS = ['Host', '127.0.0.1:3000', 'Upgrade', 'websocket', 'Connection', 'Upgrade', 'Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version', '13'];
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const KEY = /^[A-Za-z0-9+/]{21}[AQgw]==$/;
/** Far above a linear parse of 4 KiB (microseconds), far below a quadratic one on hostile input. */
const SLOW_MS = 250;

export function fuzz(data: Buffer): void {
  if (data.length < 1) return;
  const mode = data[0];
  const [requestLine = '', ...lines] = data.subarray(1).toString('latin1').split('\n');
  const [method, version = ''] = requestLine.split(' ');
  const fuzzed = lines.flatMap((line) => {
    const colon = line.indexOf(':');
    return colon === -1 ? [line, ''] : [line.slice(0, colon), line.slice(colon + 1)];
  });
  const rawHeaders = [...(mode & 1 ? VALID_HEADERS : []), ...fuzzed, ...(mode & 2 ? VALID_HEADERS : [])];
  const httpVersion = version.replace(/^HTTP\//, '');
  const request = { method, httpVersion, rawHeaders };

  const started = performance.now();
  const result = mustNotThrow('validateUpgrade', () => validateUpgrade(request));
  const elapsed = performance.now() - started;
  invariant(elapsed < SLOW_MS, () => `validateUpgrade took ${elapsed.toFixed(0)} ms on ${data.length} bytes`);
  invariant(JSON.stringify(validateUpgrade(request)) === JSON.stringify(result), () => 'validateUpgrade answered differently the second time');

  if (result instanceof HandshakeRefusal) return checkRefusal(result);
  checkAcceptance(result, request);
}

function checkRefusal(refusal: HandshakeRefusal): void {
  invariant(refusal.status === 400 || refusal.status === 426, () => `refused with ${refusal.status}`);
  invariant(refusal.body.length > 0 && !/[\r\n]/.test(refusal.body), () => `refusal body ${JSON.stringify(refusal.body)}`);
  if (refusal.status === 426) invariant(refusal.headers['Sec-WebSocket-Version'] === '13', () => '426 without Sec-WebSocket-Version: 13');
}

function checkAcceptance(upgrade: ValidUpgrade, request: { method: string; httpVersion: string; rawHeaders: string[] }): void {
  const [major, minor] = request.httpVersion.split('.').map(Number);
  invariant(request.method === 'GET', () => `accepted method ${JSON.stringify(request.method)}`);
  invariant(major > 1 || (major === 1 && minor >= 1), () => `accepted HTTP version ${JSON.stringify(request.httpVersion)}`);
  const hosts = request.rawHeaders.filter((value, i) => i % 2 === 0 && i + 1 < request.rawHeaders.length && value.toLowerCase() === 'host');
  invariant(hosts.length === 1, () => `accepted ${hosts.length} Host headers`);
  invariant(KEY.test(upgrade.key) && Buffer.from(upgrade.key, 'base64').length === 16, () => `accepted key ${JSON.stringify(upgrade.key)}`);
  invariant(upgrade.offeredProtocols.every((protocol) => TOKEN.test(protocol)), () => `accepted protocols ${JSON.stringify(upgrade.offeredProtocols)}`);
  invariant(new Set(upgrade.offeredProtocols).size === upgrade.offeredProtocols.length, () => 'accepted a protocol listed twice');
  invariant(upgrade.extensionOffers.length <= MAX_EXTENSION_OFFERS, () => `${upgrade.extensionOffers.length} extension offers`);
  invariant(upgrade.extensionOffers.every((offer) => TOKEN.test(offer.name)), () => 'an extension name that is not a token');

  const protocol = selectSubprotocol(upgrade.offeredProtocols, upgrade.offeredProtocols.slice(-1));
  invariant(protocol === undefined || upgrade.offeredProtocols.includes(protocol), () => `selected ${protocol}, which was not offered`);
  const response = buildAcceptResponse({ key: upgrade.key, protocol, extensions: 'permessage-deflate' });
  const responseLines = response.split('\r\n');
  invariant(responseLines.length === (protocol === undefined ? 5 : 6) + 2 && response.endsWith('\r\n\r\n'), () => `101 of ${responseLines.length} lines: ${JSON.stringify(response)}`);
  invariant(!/[\r\n]/.test(responseLines.slice(0, -2).join('')), () => 'a bare CR or LF inside the 101');
}
