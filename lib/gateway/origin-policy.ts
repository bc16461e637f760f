import { IncomingHttpHeaders } from 'node:http';
import { HandshakeRefusal } from '../protocol/handshake-refusal';
import { originNotAllowed } from './messages';

/** An exact origin (`https://app.example.com`), a wildcard (`https://*.example.com`), or your RegExp. */
export type OriginPattern = string | RegExp;

/** `'*'` for any origin; a list widens the same-origin default with the origins it names. */
export type AllowedOrigins = readonly OriginPattern[] | '*';

/**
 * DESIGN.md "Defaults": browsers always send Origin, so only same-origin pages and the listed
 * origins get in; the others get 403 (cross-site WebSocket hijacking, RFC 6455 §10.2).
 * Requests without Origin come from non-browser clients and are not judged here.
 */
export function checkOrigin(allowedOrigins: AllowedOrigins | undefined, origin: string | undefined, host: string): HandshakeRefusal | undefined {
  if (origin === undefined || allowedOrigins === '*' || isSameOrigin(origin, host)) return undefined;
  if (allowedOrigins?.some((pattern) => matchesOrigin(pattern, origin))) return undefined;
  return new HandshakeRefusal(403, originNotAllowed(origin));
}

/**
 * The Origin a fallback stream's GET stands for (docs/fallback.md). A browser sends none with a GET
 * in `no-cors` mode (Fetch, "append a request Origin header"), which any page may make to any site,
 * with the user's cookies and `Accept: text/event-stream`: a session would open for a page that
 * checkOrigin never judged. Sec-Fetch-Site still tells such a page of another site (cross-site,
 * same-site): it stands for an opaque origin, "null", which is never same-origin.
 */
export function fallbackStreamOrigin(headers: IncomingHttpHeaders): string | undefined {
  if (headers.origin !== undefined) return headers.origin;
  const site = headers['sec-fetch-site'];
  return site === 'cross-site' || site === 'same-site' ? 'null' : undefined;
}

/**
 * RFC 6454 §6.2: an Origin is `scheme "://" host [":" port]`, the port only when not the scheme's
 * default, as browsers write Host. Same-origin means that authority is the Host, without case
 * (gorilla/websocket and Centrifugo compare the same way). An opaque origin ("null") never is.
 */
function isSameOrigin(origin: string, host: string): boolean {
  const schemeEnd = origin.indexOf('://');
  if (schemeEnd === -1) return false;
  // Browsers write both in lower case: the exact comparison settles nearly every handshake without a copy.
  if (origin.length - schemeEnd - 3 === host.length && (origin.endsWith(host) || origin.slice(schemeEnd + 3).toLowerCase() === host.toLowerCase())) return true;
  // RFC 6454 §4: a URI without a port has its scheme's default, so ":443" written on one side only (a proxy
  // that sets Host to $host:$server_port) still names the same origin.
  const defaultPort = DEFAULT_PORT_SUFFIXES.get(origin.slice(0, schemeEnd).toLowerCase());
  return defaultPort !== undefined && withoutSuffix(origin.slice(schemeEnd + 3).toLowerCase(), defaultPort) === withoutSuffix(host.toLowerCase(), defaultPort);
}

const DEFAULT_PORT_SUFFIXES = new Map([
  ['http', ':80'],
  ['https', ':443'],
]);

const withoutSuffix = (text: string, suffix: string): string => (text.endsWith(suffix) ? text.slice(0, -suffix.length) : text);

/** Wildcards are matched by prefix and suffix, not by a generated RegExp: linear, no backtracking. */
function matchesOrigin(pattern: OriginPattern, origin: string): boolean {
  if (typeof pattern !== 'string') {
    pattern.lastIndex = 0; // a /g or /y RegExp would otherwise resume from its last match: every other request refused
    return pattern.test(origin);
  }
  if (pattern === '*') return true;
  // Host names have no case (RFC 4343): 'https://App.example.com' in a list names that page too.
  const expected = pattern.toLowerCase();
  const candidate = origin.toLowerCase();
  const star = expected.indexOf('*');
  if (star === -1) return expected === candidate;
  const prefix = expected.slice(0, star);
  const suffix = expected.slice(star + 1);
  if (candidate.length <= prefix.length + suffix.length || !candidate.startsWith(prefix) || !candidate.endsWith(suffix)) return false;
  // "*" stands for one or more DNS labels: no scheme, port or path characters.
  const labels = candidate.slice(prefix.length, candidate.length - suffix.length);
  return /^[a-z0-9.-]+$/.test(labels);
}
