import { isWebSocketConnect, validateExtendedConnect } from '../../../lib/protocol/extended-connect';
import { HandshakeRefusal } from '../../../lib/protocol/handshake-refusal';

/** RFC 8441 §5.1's example request, as Node lists an HTTP/2 request's fields (pseudo-headers first, names lower case). */
const EXAMPLE: ReadonlyArray<[string, string]> = [
  [':method', 'CONNECT'],
  [':protocol', 'websocket'],
  [':scheme', 'https'],
  [':path', '/chat'],
  [':authority', 'server.example.com'],
  ['sec-websocket-protocol', 'chat, superchat'],
  ['sec-websocket-extensions', 'permessage-deflate'],
  ['sec-websocket-version', '13'],
  ['origin', 'http://www.example.com'],
];

function fields(changes: { without?: string[]; set?: Record<string, string>; add?: Array<[string, string]> } = {}): string[] {
  const kept = EXAMPLE.filter(([name]) => !changes.without?.includes(name)).map(([name, value]): [string, string] => [name, changes.set?.[name] ?? value]);
  const added = Object.entries(changes.set ?? {}).filter(([name]) => !EXAMPLE.some(([existing]) => existing === name));
  return [...kept, ...added, ...(changes.add ?? [])].flat();
}

function expectRefusal(result: unknown, status: number, body: string, headers: Record<string, string> = {}): void {
  expect(result).toBeInstanceOf(HandshakeRefusal);
  const refusal = result as HandshakeRefusal;
  expect({ status: refusal.status, body: refusal.body, headers: refusal.headers }).toEqual({ status, body, headers });
}

describe('RFC 8441 extended CONNECT', () => {
  describe('isWebSocketConnect', () => {
    it('is true for CONNECT with :protocol websocket, in any case', () => {
      expect(isWebSocketConnect({ ':method': 'CONNECT', ':protocol': 'websocket' })).toBe(true);
      expect(isWebSocketConnect({ ':method': 'CONNECT', ':protocol': 'WebSocket' })).toBe(true);
    });

    it('is false for a plain CONNECT, another :protocol, or another method', () => {
      expect(isWebSocketConnect({ ':method': 'CONNECT', ':authority': 'proxy.example:443' })).toBe(false);
      expect(isWebSocketConnect({ ':method': 'CONNECT', ':protocol': 'connect-udp' })).toBe(false);
      expect(isWebSocketConnect({ ':method': 'GET', ':protocol': 'websocket' })).toBe(false);
    });
  });

  describe('validateExtendedConnect accepts', () => {
    it('§5.1\'s example: offers read as over HTTP/1.1, :authority as the host, no key needed', () => {
      expect(validateExtendedConnect(fields())).toEqual({
        offeredProtocols: ['chat', 'superchat'],
        extensionOffers: [{ name: 'permessage-deflate', params: {} }],
        origin: 'http://www.example.com',
        host: 'server.example.com',
      });
    });

    it('a request without Origin, subprotocols or extensions', () => {
      expect(validateExtendedConnect(fields({ without: ['origin', 'sec-websocket-protocol', 'sec-websocket-extensions'] }))).toEqual({
        offeredProtocols: [],
        extensionOffers: [],
        origin: undefined,
        host: 'server.example.com',
      });
    });
  });

  describe('validateExtendedConnect refuses', () => {
    it('another method or :protocol with 400', () => {
      expectRefusal(validateExtendedConnect(fields({ set: { ':method': 'GET' } })), 400, 'WebSocket over HTTP/2 must use CONNECT');
      expectRefusal(validateExtendedConnect(fields({ set: { ':protocol': 'connect-udp' } })), 400, ':protocol must be "websocket"');
      expectRefusal(validateExtendedConnect(fields({ without: [':protocol'] })), 400, ':protocol must be "websocket"');
    });

    it('a missing or empty :authority with 400 (the Origin check needs it)', () => {
      expectRefusal(validateExtendedConnect(fields({ without: [':authority'] })), 400, 'exactly one :authority is required');
      expectRefusal(validateExtendedConnect(fields({ set: { ':authority': '' } })), 400, 'exactly one :authority is required');
    });

    it.each([['12'], ['8, 13'], ['']])('sec-websocket-version %j with 426 and the version we speak (RFC 6455 §4.4)', (version) => {
      expectRefusal(validateExtendedConnect(fields({ set: { 'sec-websocket-version': version } })), 426, 'Sec-WebSocket-Version must be 13', { 'Sec-WebSocket-Version': '13' });
    });

    it('a missing sec-websocket-version with 426', () => {
      expectRefusal(validateExtendedConnect(fields({ without: ['sec-websocket-version'] })), 426, 'Sec-WebSocket-Version must be 13', { 'Sec-WebSocket-Version': '13' });
    });

    it('subprotocols that are not tokens, or listed twice, with 400', () => {
      expectRefusal(validateExtendedConnect(fields({ set: { 'sec-websocket-protocol': 'chat, a b' } })), 400, 'Sec-WebSocket-Protocol is not a list of tokens');
      expectRefusal(validateExtendedConnect(fields({ set: { 'sec-websocket-protocol': 'chat, chat' } })), 400, 'Sec-WebSocket-Protocol lists a protocol twice');
    });

    it('two origin fields with 400', () => {
      expectRefusal(validateExtendedConnect(fields({ add: [['origin', 'https://evil.example']] })), 400, 'at most one Origin header is allowed');
    });
  });
});
