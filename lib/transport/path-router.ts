/** Routes an upgrade request to what is bound on its path (the query string is ignored). */
export class PathRouter<T> {
  private readonly routes = new Map<string, T>();

  add(path: string, target: T): void {
    const key = normalizePath(path);
    if (this.routes.has(key)) throw new Error(`a WebSocket route is already bound to "${key}"`);
    this.routes.set(key, target);
  }

  match(url: string | undefined): T | undefined {
    const path = (url ?? '/').split('?', 1)[0];
    return this.routes.get(normalizePath(path));
  }

  targets(): IterableIterator<T> {
    return this.routes.values();
  }

  get paths(): string[] {
    return [...this.routes.keys()];
  }
}

/** "/chat/" and "chat" bind the same route as "/chat". */
export const normalizePath = (path: string): string => {
  const withSlash = path.startsWith('/') ? path : `/${path}`;
  return withSlash.length > 1 && withSlash.endsWith('/') ? withSlash.slice(0, -1) : withSlash;
};
