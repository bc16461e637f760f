import { hash } from 'node:crypto';
import { ExtensionOffer, parseExtensionOffers } from './extensions/extension-header';
import { HandshakeRefusal } from './handshake-refusal';
import { absoluteFormPrefix } from './request-target';

/** §1.3: the GUID appended to the key before hashing. */
const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** §4.2.1: base64 of exactly 16 bytes is 22 characters and "==". */
const KEY_PATTERN = /^[A-Za-z0-9+/]{21}[AQgw]==$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** What the handshake needs from an HTTP request, e.g. Node's IncomingMessage. */
export interface UpgradeRequestHead {
  method?: string;
  /** The request target: an absolute-form one names the host instead of Host (RFC 9112 §3.2.2). */
  url?: string;
  httpVersion: string;
  /** [name, value, name, value, …] as received, so a duplicated header is visible. */
  rawHeaders: readonly string[];
}

/** What a client offers in its opening handshake, over HTTP/1.1 (an upgrade) or HTTP/2 (RFC 8441's extended CONNECT). */
export interface WebSocketOffer {
  /** Sec-WebSocket-Protocol tokens, in the client's order of preference. */
  offeredProtocols: string[];
  extensionOffers: ExtensionOffer[];
  origin: string | undefined;
  /** The authority of an absolute-form target, else the one Host header (§4.1 item 4), or HTTP/2's :authority: what a same-origin page's Origin names. */
  host: string;
}

/** A request that may be upgraded, with what the client offered. */
export interface ValidUpgrade extends WebSocketOffer {
  key: string;
}

/** Header names as a set, and their lengths: most headers are skipped by length alone, never lower-cased. */
export interface HeaderNames {
  names: ReadonlySet<string>;
  lengths: ReadonlySet<number>;
}

export function headerNames(names: readonly string[]): HeaderNames {
  return { names: new Set(names), lengths: new Set(names.map((name) => name.length)) };
}

/** Header values by lower-case name, every occurrence kept; only the `wanted` ones when given. */
export function headerValues(rawHeaders: readonly string[], wanted?: HeaderNames): Map<string, string[]> {
  const values = new Map<string, string[]>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (wanted && !wanted.lengths.has(rawHeaders[i].length)) continue;
    const name = rawHeaders[i].toLowerCase();
    if (wanted && !wanted.names.has(name)) continue;
    const list = values.get(name);
    if (list) list.push(rawHeaders[i + 1]);
    else values.set(name, [rawHeaders[i + 1]]);
  }
  return values;
}

/** Does a comma-separated header (any of its occurrences) list `token` (lower case)? */
function listsToken(values: readonly string[] | undefined, token: string): boolean {
  return values !== undefined && values.some((value) => valueListsToken(value, token));
}

function valueListsToken(value: string, token: string): boolean {
  if (value.length === token.length && value.toLowerCase() === token) return true;
  for (const item of value.split(',')) if (item.trim().toLowerCase() === token) return true;
  return false;
}

/** Does the request ask for WebSocket (§4.2.1 item 3)? Upgrades to anything else (h2c) are not a handshake of ours. */
export function upgradesToWebSocket({ rawHeaders }: Pick<UpgradeRequestHead, 'rawHeaders'>): boolean {
  // Runs on every upgrade before routing: a scan by name length, with no Map of headers.
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i];
    if (name.length === 7 && name.toLowerCase() === 'upgrade' && valueListsToken(rawHeaders[i + 1], 'websocket')) return true;
  }
  return false;
}

/** The headers validateUpgrade reads. */
const UPGRADE_HEADERS = headerNames(['host', 'upgrade', 'connection', 'sec-websocket-version', 'sec-websocket-key', 'sec-websocket-protocol', 'sec-websocket-extensions', 'origin']);
const NONE: string[] = [];

const badRequest = (reason: string): HandshakeRefusal => new HandshakeRefusal(400, reason);

/** RFC 6455 §4.2.1: is this a valid opening handshake? Otherwise the refusal to send (§4.2.2). */
export function validateUpgrade(request: UpgradeRequestHead): ValidUpgrade | HandshakeRefusal {
  if (request.method !== 'GET') return badRequest('WebSocket handshake must use GET');
  if (request.httpVersion !== '1.1') {
    const [major, minor] = request.httpVersion.split('.').map(Number);
    if (!(major > 1 || (major === 1 && minor >= 1))) return badRequest('WebSocket handshake needs HTTP/1.1 or later');
  }

  const headers = headerValues(request.rawHeaders, UPGRADE_HEADERS);
  const hosts = headers.get('host');
  if (hosts?.length !== 1) return badRequest('exactly one Host header is required');
  if (!listsToken(headers.get('upgrade'), 'websocket')) return badRequest('Upgrade header must include "websocket"');
  if (!listsToken(headers.get('connection'), 'upgrade')) return badRequest('Connection header must include "Upgrade"');

  const versionRefusal = refusalOfVersion(headers);
  if (versionRefusal) return versionRefusal;

  const keys = headers.get('sec-websocket-key');
  if (keys === undefined) return badRequest('Sec-WebSocket-Key header is missing');
  if (keys.length !== 1) return badRequest('Sec-WebSocket-Key header appears more than once');
  const key = keys[0].trim();
  if (!KEY_PATTERN.test(key)) return badRequest('Sec-WebSocket-Key must be base64 of 16 bytes');

  // RFC 9112 §3.2.2: with an absolute-form target, Host is ignored for the target's authority.
  const host = (request.url === undefined ? undefined : absoluteFormPrefix(request.url)?.[1]) ?? hosts[0];
  const offer = readOffer(headers, host);
  return offer instanceof HandshakeRefusal ? offer : { key, ...offer };
}

/** §4.4: an unsupported version gets 426 and the versions we speak (RFC 8441 §5 keeps the header over HTTP/2). */
export function refusalOfVersion(headers: ReadonlyMap<string, readonly string[]>): HandshakeRefusal | undefined {
  const versions = headers.get('sec-websocket-version');
  if (versions?.length !== 1 || versions[0].trim() !== '13') {
    return new HandshakeRefusal(426, 'Sec-WebSocket-Version must be 13', { 'Sec-WebSocket-Version': '13' });
  }
  return undefined;
}

/** §4.2.1 items 8–10 and the Origin: what the client offers, read the same way over HTTP/1.1 and HTTP/2 (RFC 8441 §5). */
export function readOffer(headers: ReadonlyMap<string, readonly string[]>, host: string): WebSocketOffer | HandshakeRefusal {
  const protocolValues = headers.get('sec-websocket-protocol');
  const offeredProtocols = protocolValues === undefined ? NONE : protocolValues
    .flatMap((value) => value.split(','))
    .map((token) => token.trim())
    .filter(Boolean); // RFC 7230 §7: empty list elements are ignored
  if (offeredProtocols.some((protocol) => !TOKEN.test(protocol))) return badRequest('Sec-WebSocket-Protocol is not a list of tokens');
  if (offeredProtocols.length > 1 && new Set(offeredProtocols).size !== offeredProtocols.length) return badRequest('Sec-WebSocket-Protocol lists a protocol twice');

  // RFC 6455 §9.1: extensions are optional; a header we cannot read declines them all, it does not refuse.
  const extensionValues = headers.get('sec-websocket-extensions');
  const extensionOffers = extensionValues === undefined ? [] : (parseExtensionOffers(extensionValues) ?? []);

  // RFC 6454 §7.3: a user agent sends at most one Origin; with two, which one would the page be?
  const origins = headers.get('origin');
  if (origins !== undefined && origins.length > 1) return badRequest('at most one Origin header is allowed');
  return { offeredProtocols, extensionOffers, origin: origins?.[0], host };
}

/** §4.2.2: base64(SHA-1(key + GUID)). One-shot: no Hash object per handshake (half the time of createHash for 60 bytes). */
export function computeAcceptKey(key: string): string {
  return hash('sha1', key + WEBSOCKET_GUID, 'base64');
}

/** The first protocol the client offers that the server supports; never one it did not offer. */
export function selectSubprotocol(offered: readonly string[], supported: readonly string[]): string | undefined {
  return offered.find((protocol) => supported.includes(protocol));
}

export interface AcceptResponse {
  key: string;
  protocol?: string;
  /** The negotiated Sec-WebSocket-Extensions value, when an extension was accepted. */
  extensions?: string;
}

/** §4.2.2 step 5: the 101 response, as the bytes to write before any frame. */
export function buildAcceptResponse(response: AcceptResponse): string {
  const protocol = response.protocol === undefined ? '' : `Sec-WebSocket-Protocol: ${response.protocol}\r\n`;
  const extensions = response.extensions === undefined ? '' : `Sec-WebSocket-Extensions: ${response.extensions}\r\n`;
  return `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${computeAcceptKey(response.key)}\r\n${protocol}${extensions}\r\n`;
}
