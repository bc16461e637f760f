import { HandshakeRefusal } from '../../../lib/protocol/handshake-refusal';
import {
  buildAcceptResponse,
  computeAcceptKey,
  headerNames,
  headerValues,
  selectSubprotocol,
  UpgradeRequestHead,
  upgradesToWebSocket,
  validateUpgrade,
  ValidUpgrade,
} from '../../../lib/protocol/handshake';

/** The sample key of RFC 6455 §1.3 / §4.2.2. */
const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

const VALID_HEADERS: ReadonlyArray<[string, string]> = [
  ['Host', 'server.example.com'],
  ['Upgrade', 'websocket'],
  ['Connection', 'Upgrade'],
  ['Sec-WebSocket-Key', KEY],
  ['Origin', 'http://example.com'],
  ['Sec-WebSocket-Version', '13'],
];

interface RequestChanges {
  method?: string;
  httpVersion?: string;
  /** Headers to drop, by case-insensitive name. */
  without?: string[];
  /** Headers to set: an existing one of that name is replaced, else the pair is appended. */
  set?: Array<[string, string]>;
  /** Headers appended as they are, e.g. a second Host. */
  add?: Array<[string, string]>;
}

/** The RFC 6455 §1.2 sample request, changed as asked. */
function request(changes: RequestChanges = {}): UpgradeRequestHead {
  const drop = new Set((changes.without ?? []).map((name) => name.toLowerCase()));
  let headers = VALID_HEADERS.filter(([name]) => !drop.has(name.toLowerCase()));
  for (const [name, value] of changes.set ?? []) {
    const exists = headers.some(([existing]) => existing.toLowerCase() === name.toLowerCase());
    headers = exists
      ? headers.map(([existing, old]): [string, string] => (existing.toLowerCase() === name.toLowerCase() ? [existing, value] : [existing, old]))
      : [...headers, [name, value]];
  }
  headers = [...headers, ...(changes.add ?? [])];
  return { method: changes.method ?? 'GET', httpVersion: changes.httpVersion ?? '1.1', rawHeaders: headers.flat() };
}

function expectValid(result: ValidUpgrade | HandshakeRefusal): ValidUpgrade {
  expect(result).not.toBeInstanceOf(HandshakeRefusal);
  return result as ValidUpgrade;
}

function expectRefusal(result: ValidUpgrade | HandshakeRefusal, status: number, body: string, headers: Record<string, string> = {}): void {
  expect(result).toBeInstanceOf(HandshakeRefusal);
  const refusal = result as HandshakeRefusal;
  expect({ status: refusal.status, body: refusal.body, headers: refusal.headers }).toEqual({ status, body, headers });
}

describe('opening handshake', () => {
  describe('validateUpgrade accepts', () => {
    it('the RFC 6455 §1.2 sample request, returning the key, offers, origin and host', () => {
      const result = validateUpgrade(
        request({
          set: [
            ['Sec-WebSocket-Protocol', 'chat, superchat'],
            ['Sec-WebSocket-Extensions', 'permessage-deflate; client_max_window_bits'],
          ],
        }),
      );

      expect(expectValid(result)).toEqual({
        key: KEY,
        offeredProtocols: ['chat', 'superchat'],
        extensionOffers: [{ name: 'permessage-deflate', params: { client_max_window_bits: true } }],
        origin: 'http://example.com',
        host: 'server.example.com',
      });
    });

    it('a request without Origin, protocols or extensions', () => {
      expect(expectValid(validateUpgrade(request({ without: ['Origin'] })))).toEqual({
        key: KEY,
        offeredProtocols: [],
        extensionOffers: [],
        origin: undefined,
        host: 'server.example.com',
      });
    });

    it.each([
      ['Connection', 'keep-alive, Upgrade'],
      ['Connection', 'upgrade'],
      ['Connection', 'UPGRADE'],
      ['Upgrade', 'WebSocket'],
      ['Upgrade', 'h2c, websocket'],
    ])('%s: %s, its token list read case-insensitively', (name, value) => {
      expect(expectValid(validateUpgrade(request({ set: [[name, value]] }))).key).toBe(KEY);
    });

    it('header names in any case', () => {
      const result = validateUpgrade({
        method: 'GET',
        httpVersion: '1.1',
        rawHeaders: ['host', 'a', 'UPGRADE', 'websocket', 'connection', 'upgrade', 'SEC-WEBSOCKET-KEY', KEY, 'sec-websocket-version', '13'],
      });

      expect(expectValid(result).key).toBe(KEY);
    });

    it('a key and version surrounded by whitespace, trimmed', () => {
      const result = validateUpgrade(request({ set: [['Sec-WebSocket-Key', ` ${KEY} `], ['Sec-WebSocket-Version', ' 13 ']] }));

      expect(expectValid(result).key).toBe(KEY);
    });

    it('protocols offered across several Sec-WebSocket-Protocol headers, in order', () => {
      const result = validateUpgrade(request({ add: [['Sec-WebSocket-Protocol', 'v2.chat'], ['Sec-WebSocket-Protocol', 'v1.chat, json']] }));

      expect(expectValid(result).offeredProtocols).toEqual(['v2.chat', 'v1.chat', 'json']);
    });

    // RFC 7230 §7 (RFC 9110 §5.6.1): "a recipient MUST parse and ignore a reasonable number of
    // empty list elements". Upgrade, Connection and Sec-WebSocket-Extensions already do.
    it('empty elements in the Sec-WebSocket-Protocol list, ignored as RFC 7230 §7 requires', () => {
      const result = validateUpgrade(request({ set: [['Sec-WebSocket-Protocol', 'chat, , superchat,']] }));

      expect(expectValid(result).offeredProtocols).toEqual(['chat', 'superchat']);
    });

    it('HTTP versions above 1.1', () => {
      expect(expectValid(validateUpgrade(request({ httpVersion: '1.2' }))).key).toBe(KEY);
    });
  });

  describe('validateUpgrade refuses', () => {
    it.each(['POST', 'HEAD', 'get'])('method %s with 400', (method) => {
      expectRefusal(validateUpgrade(request({ method })), 400, 'WebSocket handshake must use GET');
    });

    it('a request with no method with 400', () => {
      expectRefusal(validateUpgrade({ ...request(), method: undefined }), 400, 'WebSocket handshake must use GET');
    });

    it.each(['1.0', '0.9'])('HTTP/%s with 400', (httpVersion) => {
      expectRefusal(validateUpgrade(request({ httpVersion })), 400, 'WebSocket handshake needs HTTP/1.1 or later');
    });

    it('a missing Host with 400', () => {
      expectRefusal(validateUpgrade(request({ without: ['Host'] })), 400, 'exactly one Host header is required');
    });

    it('two Host headers with 400', () => {
      expectRefusal(validateUpgrade(request({ add: [['host', 'evil.example.com']] })), 400, 'exactly one Host header is required');
    });

    it.each([
      ['missing', { without: ['Upgrade'] }],
      ['not websocket', { set: [['Upgrade', 'h2c']] as Array<[string, string]> }],
      ['a longer token', { set: [['Upgrade', 'websockets']] as Array<[string, string]> }],
    ])('an Upgrade header that is %s with 400', (_name, changes) => {
      expectRefusal(validateUpgrade(request(changes)), 400, 'Upgrade header must include "websocket"');
    });

    it.each([
      ['missing', { without: ['Connection'] }],
      ['keep-alive only', { set: [['Connection', 'keep-alive']] as Array<[string, string]> }],
    ])('a Connection header that is %s with 400', (_name, changes) => {
      expectRefusal(validateUpgrade(request(changes)), 400, 'Connection header must include "Upgrade"');
    });

    it('a missing Sec-WebSocket-Version with 426 and the version it speaks', () => {
      expectRefusal(validateUpgrade(request({ without: ['Sec-WebSocket-Version'] })), 426, 'Sec-WebSocket-Version must be 13', {
        'Sec-WebSocket-Version': '13',
      });
    });

    it.each(['8', '12', '14', '13, 8'])('Sec-WebSocket-Version %s with 426 and the version it speaks', (version) => {
      expectRefusal(validateUpgrade(request({ set: [['Sec-WebSocket-Version', version]] })), 426, 'Sec-WebSocket-Version must be 13', {
        'Sec-WebSocket-Version': '13',
      });
    });

    it('a missing Sec-WebSocket-Key with 400', () => {
      expectRefusal(validateUpgrade(request({ without: ['Sec-WebSocket-Key'] })), 400, 'Sec-WebSocket-Key header is missing');
    });

    it('a duplicated Sec-WebSocket-Key with 400', () => {
      expectRefusal(
        validateUpgrade(request({ add: [['Sec-WebSocket-Key', 'AAAAAAAAAAAAAAAAAAAAAA==']] })),
        400,
        'Sec-WebSocket-Key header appears more than once',
      );
    });

    it.each([
      ['base64 of 15 bytes', Buffer.alloc(15, 1).toString('base64')],
      ['base64 of 17 bytes', Buffer.alloc(17, 1).toString('base64')],
      ['16 bytes with padding removed', KEY.replace(/=+$/, '')],
      ['with non-zero padding bits', 'dGhlIHNhbXBsZSBub25jZR=='],
      ['not base64', 'not a websocket key!!!!='],
      ['empty', ''],
    ])('a Sec-WebSocket-Key that is %s with 400', (_name, key) => {
      expectRefusal(validateUpgrade(request({ set: [['Sec-WebSocket-Key', key]] })), 400, 'Sec-WebSocket-Key must be base64 of 16 bytes');
    });

    it.each(['chat superchat', 'ch@t', '"chat"'])('Sec-WebSocket-Protocol %j, not a token list, with 400', (value) => {
      expectRefusal(validateUpgrade(request({ set: [['Sec-WebSocket-Protocol', value]] })), 400, 'Sec-WebSocket-Protocol is not a list of tokens');
    });

    it('a protocol offered twice with 400', () => {
      expectRefusal(
        validateUpgrade(request({ add: [['Sec-WebSocket-Protocol', 'chat, json'], ['Sec-WebSocket-Protocol', 'chat']] })),
        400,
        'Sec-WebSocket-Protocol lists a protocol twice',
      );
    });

    it.each(['permessage-deflate; =15', 'permessage-deflate; client_max_window_bits="1', 'per message'])('nothing for a malformed Sec-WebSocket-Extensions %j: every offer is declined', (value) => {
      const upgrade = validateUpgrade(request({ set: [['Sec-WebSocket-Extensions', value]] }));
      expect(upgrade).not.toBeInstanceOf(HandshakeRefusal);
      expect((upgrade as { extensionOffers: unknown[] }).extensionOffers).toEqual([]);
    });
  });

  describe('headerValues', () => {
    it('groups every occurrence of a header under its lower-case name, in order', () => {
      expect(headerValues(['Host', 'a', 'X-Many', '1', 'x-many', '2', 'Dangling'])).toEqual(
        new Map([
          ['host', ['a']],
          ['x-many', ['1', '2']],
        ]),
      );
    });

    it('keeps only the wanted names when asked, whatever their case', () => {
      const wanted = headerNames(['upgrade', 'origin']);

      expect(headerValues(['UPGRADE', 'websocket', 'Origins', 'x', 'Origin', 'https://a.example', 'Host', 'a'], wanted)).toEqual(
        new Map([
          ['upgrade', ['websocket']],
          ['origin', ['https://a.example']],
        ]),
      );
    });
  });

  describe('upgradesToWebSocket', () => {
    it('is true when any Upgrade header lists websocket, in any case', () => {
      expect(upgradesToWebSocket(request())).toBe(true);
      expect(upgradesToWebSocket(request({ set: [['Upgrade', 'h2c, WebSocket']] }))).toBe(true);
      expect(upgradesToWebSocket(request({ set: [['Upgrade', 'h2c']], add: [['upgrade', 'websocket']] }))).toBe(true);
    });

    it('is false for an upgrade to another protocol, or none', () => {
      expect(upgradesToWebSocket(request({ set: [['Upgrade', 'h2c']] }))).toBe(false);
      expect(upgradesToWebSocket(request({ set: [['Upgrade', 'websockets']] }))).toBe(false);
      expect(upgradesToWebSocket(request({ without: ['Upgrade'] }))).toBe(false);
    });
  });

  describe('computeAcceptKey', () => {
    it('hashes the RFC 6455 §1.3 sample key to its sample accept value', () => {
      expect(computeAcceptKey(KEY)).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
    });
  });

  describe('selectSubprotocol', () => {
    it('returns the first protocol the client offered that the server supports', () => {
      expect(selectSubprotocol(['v3', 'v2', 'v1'], ['v1', 'v2'])).toBe('v2');
    });

    it('returns undefined when none of the offers is supported', () => {
      expect(selectSubprotocol(['v3'], ['v1', 'v2'])).toBeUndefined();
    });

    it('returns undefined when the client offered nothing', () => {
      expect(selectSubprotocol([], ['v1'])).toBeUndefined();
    });

    it('compares protocols case-sensitively', () => {
      expect(selectSubprotocol(['Chat'], ['chat'])).toBeUndefined();
    });
  });

  describe('buildAcceptResponse', () => {
    it('writes the 101 response with the accept key', () => {
      expect(buildAcceptResponse({ key: KEY })).toBe(
        'HTTP/1.1 101 Switching Protocols\r\n' +
          'Upgrade: websocket\r\n' +
          'Connection: Upgrade\r\n' +
          'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n' +
          '\r\n',
      );
    });

    it('adds the selected protocol and the negotiated extensions', () => {
      expect(buildAcceptResponse({ key: KEY, protocol: 'chat', extensions: 'permessage-deflate; server_no_context_takeover' })).toBe(
        'HTTP/1.1 101 Switching Protocols\r\n' +
          'Upgrade: websocket\r\n' +
          'Connection: Upgrade\r\n' +
          'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n' +
          'Sec-WebSocket-Protocol: chat\r\n' +
          'Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover\r\n' +
          '\r\n',
      );
    });
  });
});
