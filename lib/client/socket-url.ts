/** The part of `location` a page's client needs to resolve `/chat`. */
export interface PageLocation {
  protocol: string;
  host: string;
}

/**
 * `ws:`/`wss:` URLs as they are; `http(s):` ones with the scheme swapped; in a page, a path
 * (`/chat`) or a scheme-relative URL against the page's host, `wss:` under `https:`.
 */
export function toSocketUrl(url: string, page?: PageLocation): string {
  if (/^wss?:/i.test(url)) return url;
  if (/^https?:/i.test(url)) return url.replace(/^http/i, 'ws');
  if (!page) return url; // the platform's WebSocket refuses it with its own message
  const scheme = page.protocol === 'https:' ? 'wss:' : 'ws:';
  if (url.startsWith('//')) return scheme + url;
  if (url.startsWith('/')) return `${scheme}//${page.host}${url}`;
  return url;
}

/** The same endpoint as an http(s) URL, for the HTTP fallback: `ws:` becomes `http:`, `wss:` `https:`. */
export function toHttpUrl(url: string, page?: PageLocation): string {
  const socketUrl = toSocketUrl(url, page);
  return /^wss?:/i.test(socketUrl) ? socketUrl.replace(/^ws/i, 'http') : socketUrl;
}
