import { absoluteFormPrefix } from '../protocol/request-target';

/** Routes an upgrade request to what is bound on its path (the query string is ignored). */
export class PathRouter<T> {
  private readonly routes = new Map<string, T>();

  add(path: string, target: T): void {
    const key = normalizePath(path);
    if (this.routes.has(key)) throw new Error(`a WebSocket route is already bound to "${key}"`);
    this.routes.set(key, target);
  }

  match(url: string | undefined): T | undefined {
    return this.routes.get(normalizePath(pathOf(url ?? '/')));
  }

  targets(): IterableIterator<T> {
    return this.routes.values();
  }

  get paths(): string[] {
    return [...this.routes.keys()];
  }
}

/** The path of a request target, without its query. */
function pathOf(target: string): string {
  const absolute = absoluteFormPrefix(target);
  const pathAndQuery = absolute === null ? target : target.slice(absolute[0].length);
  const query = pathAndQuery.indexOf('?');
  // "ws://host" leaves "", which normalizePath makes "/" (RFC 3986 §6.2.3: an empty path is the root).
  return query === -1 ? pathAndQuery : pathAndQuery.slice(0, query);
}

/** "/chat/" and "chat" bind the same route as "/chat". */
export const normalizePath = (path: string): string => {
  const withSlash = path.startsWith('/') ? path : `/${path}`;
  return withSlash.length > 1 && withSlash.endsWith('/') ? withSlash.slice(0, -1) : withSlash;
};
