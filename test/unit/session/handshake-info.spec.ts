import { IncomingMessage } from 'node:http';
import { handshakeInfoOf } from '../../../lib/session/handshake-info';

const requestFor = (url: string | undefined): IncomingMessage =>
  ({ url, headers: { host: 'example.com', 'x-test': 'yes' }, socket: { remoteAddress: '10.0.0.7' } }) as unknown as IncomingMessage;

/** What the WHATWG URL parser makes of the request target: the reference for path and query. */
function parsedByUrl(url: string): { path: string; query: Record<string, string | string[]> } {
  const parsed = new URL(url, 'ws://localhost');
  const query: Record<string, string | string[]> = {};
  for (const key of new Set(parsed.searchParams.keys())) {
    const values = parsed.searchParams.getAll(key);
    query[key] = values.length === 1 ? values[0] : values;
  }
  return { path: parsed.pathname, query };
}

describe('handshakeInfoOf', () => {
  it('takes the URL, headers and remote address from the request, and the protocol it is given', () => {
    const request = requestFor('/chat?room=lobby');

    const info = handshakeInfoOf(request, 'chat');

    expect(info).toEqual({
      url: '/chat?room=lobby',
      path: '/chat',
      query: { room: 'lobby' },
      headers: { host: 'example.com', 'x-test': 'yes' },
      remoteAddress: '10.0.0.7',
      protocol: 'chat',
    });
    expect(info.headers).toBe(request.headers);
  });

  it.each([
    '/echo',
    '/',
    '/a/b-c_d.e~f/',
    '/a//b',
    '/.well-known/x',
    '/a/./b',
    '/a/../b',
    '/a/..',
    '/.',
    '//evil.example/x',
    '/a%20b',
    '/a b',
    '/%2e%2e/x',
    '/caf\u00e9',
    '/a\\b',
    '/a{b}',
    '/chat?',
    '/chat?token=abc&room=a&room=b',
    '/chat?q=a+b%20c&empty=&flag',
    '/chat#fragment',
  ])('gives %j the path and query the URL parser gives', (url) => {
    const { path, query } = handshakeInfoOf(requestFor(url), undefined);

    expect({ path, query }).toEqual(parsedByUrl(url));
  });

  it('reads a missing URL as "/"', () => {
    expect(handshakeInfoOf(requestFor(undefined), undefined)).toMatchObject({ url: '/', path: '/', query: {} });
  });

  it('gives every connection a query object of its own', () => {
    const first = handshakeInfoOf(requestFor('/echo'), undefined);
    const second = handshakeInfoOf(requestFor('/echo'), undefined);

    expect(first.query).not.toBe(second.query);
  });
});
