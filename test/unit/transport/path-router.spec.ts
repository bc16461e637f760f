import { normalizePath, PathRouter } from '../../../lib/transport/path-router';

describe('PathRouter', () => {
  const routerWith = (...paths: string[]): PathRouter<string> => {
    const router = new PathRouter<string>();
    for (const path of paths) router.add(path, `target of ${path}`);
    return router;
  };

  it('matches a request URL to the target bound on its path', () => {
    const router = routerWith('/chat', '/echo');
    expect(router.match('/chat')).toBe('target of /chat');
    expect(router.match('/echo')).toBe('target of /echo');
  });

  it('ignores the query string', () => {
    expect(routerWith('/chat').match('/chat?token=abc&room=1')).toBe('target of /chat');
  });

  it('matches a request with a trailing slash to a route bound without one', () => {
    expect(routerWith('/chat').match('/chat/')).toBe('target of /chat');
    expect(routerWith('/chat').match('/chat/?token=abc')).toBe('target of /chat');
  });

  it('binds "chat" and "/chat/" to the same normalised path "/chat"', () => {
    expect(routerWith('chat').match('/chat')).toBe('target of chat');
    expect(routerWith('/chat/').match('/chat')).toBe('target of /chat/');
    expect(routerWith('chat', '/echo/').paths).toEqual(['/chat', '/echo']);
  });

  it('keeps the root path "/" as it is', () => {
    const router = routerWith('/');
    expect(router.paths).toEqual(['/']);
    expect(router.match('/')).toBe('target of /');
    expect(router.match('/?x=1')).toBe('target of /');
  });

  it('treats a missing URL as the root path', () => {
    expect(routerWith('/').match(undefined)).toBe('target of /');
    expect(routerWith('/chat').match(undefined)).toBeUndefined();
  });

  it('routes an absolute-form request target by its path (RFC 9112 §3.2.2), whatever the scheme', () => {
    const router = routerWith('/echo', '/');
    for (const scheme of ['ws', 'wss', 'http', 'https', 'WS', 'Https']) {
      expect(router.match(`${scheme}://example.com:8080/echo`)).toBe('target of /echo');
      expect(router.match(`${scheme}://example.com/echo/?token=abc`)).toBe('target of /echo');
      expect(router.match(`${scheme}://example.com`)).toBe('target of /');
      expect(router.match(`${scheme}://example.com?x=1`)).toBe('target of /');
    }
    expect(router.match('ws://user@[::1]:80/echo')).toBe('target of /echo');
  });

  it('does not route an absolute-form target of another scheme, or a path that only looks like one', () => {
    const router = routerWith('/echo');
    expect(router.match('ftp://example.com/echo')).toBeUndefined();
    expect(router.match('ws:/echo')).toBeUndefined();
    expect(router.match('/ws://example.com/echo')).toBeUndefined();
  });

  it('returns undefined for a path with no route, a sub-path or a different case', () => {
    const router = routerWith('/chat');
    expect(router.match('/other')).toBeUndefined();
    expect(router.match('/chat/room')).toBeUndefined();
    expect(router.match('/CHAT')).toBeUndefined();
    expect(router.match('/chatroom')).toBeUndefined();
  });

  it('throws when a second route is bound to the same path, even written differently', () => {
    const router = routerWith('/chat');
    expect(() => router.add('/chat', 'again')).toThrow(new Error('a WebSocket route is already bound to "/chat"'));
    expect(() => router.add('chat/', 'again')).toThrow(new Error('a WebSocket route is already bound to "/chat"'));
    expect(router.match('/chat')).toBe('target of /chat');
  });

  it('lists no paths before any route is added', () => {
    expect(new PathRouter<string>().paths).toEqual([]);
  });
});

describe('normalizePath', () => {
  it('adds a leading slash and drops one trailing slash, keeping "/" as it is', () => {
    expect(normalizePath('chat')).toBe('/chat');
    expect(normalizePath('/chat/')).toBe('/chat');
    expect(normalizePath('/a/b/')).toBe('/a/b');
    expect(normalizePath('/')).toBe('/');
    expect(normalizePath('')).toBe('/');
  });
});
