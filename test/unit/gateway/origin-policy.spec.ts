import { checkOrigin } from '../../../lib/gateway/origin-policy';
import { originNotAllowed } from '../../../lib/gateway/messages';
import { validateUpgrade } from '../../../lib/protocol/handshake';
import { HandshakeRefusal } from '../../../lib/protocol/handshake-refusal';

const HOST = 'app.example.com:8443';
const isAccepted = (...args: Parameters<typeof checkOrigin>): boolean => checkOrigin(...args) === undefined;

describe('checkOrigin', () => {
  describe('by default (no allowedOrigins): same-origin pages only', () => {
    it('accepts an Origin whose host and port are the request Host, in any case', () => {
      expect(isAccepted(undefined, 'https://app.example.com:8443', HOST)).toBe(true);
      expect(isAccepted(undefined, 'https://APP.example.com:8443', HOST)).toBe(true);
      expect(isAccepted(undefined, 'http://app.example.com', 'App.Example.com')).toBe(true);
      expect(isAccepted(undefined, 'http://[::1]:3000', '[::1]:3000')).toBe(true);
    });

    it('refuses another host, another port, a missing port, a sub-domain, and opaque or malformed origins with 403', () => {
      for (const origin of ['https://evil.example', 'https://app.example.com:8444', 'https://app.example.com', 'https://x.app.example.com:8443', 'null', 'app.example.com:8443', 'https://app.example.com:8443/path', 'https://app.example.com:8443.evil.example']) {
        const refusal = checkOrigin(undefined, origin, HOST);
        expect(refusal).toBeInstanceOf(HandshakeRefusal);
        expect({ origin, status: refusal?.status, body: refusal?.body }).toEqual({ origin, status: 403, body: originNotAllowed(origin) });
      }
    });

    it('does not judge a request without Origin (not a browser)', () => {
      expect(isAccepted(undefined, undefined, HOST)).toBe(true);
    });
  });

  describe('with an allow-list: same-origin pages and the listed ones', () => {
    const allowed = ['https://partner.example', 'https://*.example.org', /^https:\/\/ok-\d+\.test$/];

    it('accepts listed origins (exact, wildcard, RegExp) and same-origin pages', () => {
      for (const origin of ['https://partner.example', 'https://a.b.example.org', 'https://ok-7.test', 'https://app.example.com:8443']) {
        expect({ origin, isAccepted: isAccepted(allowed, origin, HOST) }).toEqual({ origin, isAccepted: true });
      }
    });

    it('refuses the others with 403', () => {
      for (const origin of ['https://partner.example:444', 'https://example.org', 'https://ok-x.test', 'null']) {
        expect({ origin, status: checkOrigin(allowed, origin, HOST)?.status }).toEqual({ origin, status: 403 });
      }
    });
  });

  it('compares listed origins without case, as it does same-origin ones (RFC 4343: host names have no case)', () => {
    expect(isAccepted(['https://Partner.Example'], 'https://partner.example', HOST)).toBe(true);
    expect(isAccepted(['HTTPS://*.Example.ORG'], 'https://a.b.example.org', HOST)).toBe(true);
    expect(isAccepted(['https://Partner.Example'], 'https://other.example', HOST)).toBe(false);
  });

  it('gives the same answer every time with a global or sticky RegExp (test() would move its lastIndex)', () => {
    for (const pattern of [/^https:\/\/ok\.test$/g, /https:\/\/ok\.test/y]) {
      expect([1, 2, 3].map(() => isAccepted([pattern], 'https://ok.test', HOST))).toEqual([true, true, true]);
    }
  });

  // RFC 6454 §4: an origin without a port has its scheme's default port, so writing it or not names the same origin.
  it.each([
    ['https://a.com:443', 'a.com', true],
    ['https://a.com', 'a.com:443', true],
    ['http://a.com:80', 'a.com', true],
    ['http://a.com', 'a.com:80', true],
    ['http://[::1]:80', '[::1]', true],
    ['https://A.com:443', 'a.COM:443', true],
    ['http://a.com', 'a.com:443', false], // port 80 is not port 443
    ['https://a.com', 'a.com:80', false],
    ['http://a.com:443', 'a.com', false], // a Host without port names no port for us to assume but the origin's default
    ['https://a.com:0443', 'a.com', false],
    ['https://a.com.', 'a.com', false], // a trailing dot is another origin to a browser
    ['https://a.com', 'a.com.', false],
    ['https://a.com:', 'a.com', false],
    ['https://evil.com:443', 'a.com', false],
    ['https://a.com:443', 'evil.com', false],
  ])('same-origin, default ports written or not: Origin %s and Host %s -> %s', (origin, host, expected) => {
    expect(isAccepted(undefined, origin, host)).toBe(expected);
  });

  it("accepts every origin with '*', or with '*' in a list", () => {
    for (const origin of ['https://evil.example', 'null', 'https://app.example.com:8443']) {
      expect(isAccepted('*', origin, HOST)).toBe(true);
      expect(isAccepted(['https://partner.example', '*'], origin, HOST)).toBe(true);
    }
  });

  describe('judged on the request head, as the upgrade listener does (validateUpgrade, then checkOrigin)', () => {
    const HANDSHAKE = ['Upgrade', 'websocket', 'Connection', 'Upgrade', 'Sec-WebSocket-Version', '13', 'Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ=='];
    /** The status the client gets: 101 when the upgrade is valid and its Origin passes the same-origin default. */
    const statusFor = (url: string, headers: string[]): number => {
      const upgrade = validateUpgrade({ method: 'GET', url, httpVersion: '1.1', rawHeaders: [...HANDSHAKE, ...headers] });
      return upgrade instanceof HandshakeRefusal ? upgrade.status : (checkOrigin(undefined, upgrade.origin, upgrade.host)?.status ?? 101);
    };

    it.each([
      ['X-Forwarded-Host is not trusted: a foreign page naming itself there', '/echo', ['Host', 'a.com', 'X-Forwarded-Host', 'evil.com', 'Origin', 'https://evil.com'], 403],
      ['X-Forwarded-Host is not trusted: a proxy that rewrites Host must forward the client\'s', '/echo', ['Host', 'internal:8080', 'X-Forwarded-Host', 'a.com', 'Origin', 'https://a.com'], 403],
      ['two Origin headers, the first same-origin (RFC 6454 §7.3: a user agent sends one)', '/echo', ['Host', 'a.com', 'Origin', 'https://a.com', 'Origin', 'https://evil.com'], 400],
      ['two Origin headers, the first foreign', '/echo', ['Host', 'a.com', 'Origin', 'https://evil.com', 'Origin', 'https://a.com'], 400],
      ['an absolute-form target names the host, not Host (RFC 9112 §3.2.2): a page of that host', 'ws://b.com/echo', ['Host', 'a.com', 'Origin', 'https://b.com'], 101],
      ['an absolute-form target names the host, not Host: a page of the Host', 'ws://b.com/echo', ['Host', 'a.com', 'Origin', 'https://a.com'], 403],
      ['an absolute-form target with a port and a query', 'wss://B.com:8443?x=1', ['Host', 'a.com', 'Origin', 'https://b.com:8443'], 101],
      ['no Origin (not a browser)', 'ws://b.com/echo', ['Host', 'a.com'], 101],
      ['no Host (HTTP/1.0 style)', '/echo', ['Origin', 'https://a.com'], 400],
    ])('%s', (_case, url, headers, status) => {
      expect(statusFor(url, headers)).toBe(status);
    });
  });
});
