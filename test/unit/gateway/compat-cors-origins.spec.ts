import { withCorsOrigins } from '../../../lib/gateway/compat/cors-origins';
import { GatewayOptions } from '../../../lib/gateway/interfaces/websocket-options.interface';

describe('withCorsOrigins', () => {
  it.each<[string, GatewayOptions['cors'], GatewayOptions['allowedOrigins']]>([
    ['true', { origin: true }, '*'],
    ["'*'", { origin: '*' }, '*'],
    ['false', { origin: false }, []],
    ['an origin', { origin: 'https://a.example' }, ['https://a.example']],
    ['a RegExp', { origin: /\.example$/ }, [/\.example$/]],
    ['a list', { origin: ['https://a.example', /\.example$/] }, ['https://a.example', /\.example$/]],
  ])('maps origin %s to allowedOrigins, and drops cors', (_name, cors, allowedOrigins) => {
    expect(withCorsOrigins({ path: '/chat', maxMessageBytes: 10, cors })).toEqual({ path: '/chat', maxMessageBytes: 10, allowedOrigins });
  });

  it('returns options without cors as they are', () => {
    const options: GatewayOptions = { path: '/chat', allowedOrigins: '*' };
    expect(withCorsOrigins(options)).toBe(options);
  });

  it('refuses cors together with allowedOrigins', () => {
    expect(() => withCorsOrigins({ path: '/chat', cors: { origin: true }, allowedOrigins: '*' })).toThrow(new TypeError("@Gateway({ path: '/chat' }): give cors or allowedOrigins, not both"));
  });

  it("refuses socket.io's function form, naming handshake guards", () => {
    const cors = { origin: (() => true) as unknown as boolean };
    expect(() => withCorsOrigins({ path: '/chat', cors })).toThrow(
      new TypeError("@Gateway({ path: '/chat' }): cors.origin is true, false, an origin, a RegExp or a list of them; decide in a handshake guard otherwise"),
    );
  });
});
