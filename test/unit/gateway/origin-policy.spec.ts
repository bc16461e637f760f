import { checkOrigin } from '../../../lib/gateway/origin-policy';
import { originNotAllowed } from '../../../lib/gateway/messages';
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

  it('gives the same answer every time with a global or sticky RegExp (test() would move its lastIndex)', () => {
    for (const pattern of [/^https:\/\/ok\.test$/g, /https:\/\/ok\.test/y]) {
      expect([1, 2, 3].map(() => isAccepted([pattern], 'https://ok.test', HOST))).toEqual([true, true, true]);
    }
  });

  it("accepts every origin with '*', or with '*' in a list", () => {
    for (const origin of ['https://evil.example', 'null', 'https://app.example.com:8443']) {
      expect(isAccepted('*', origin, HOST)).toBe(true);
      expect(isAccepted(['https://partner.example', '*'], origin, HOST)).toBe(true);
    }
  });
});
