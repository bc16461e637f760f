import { HandshakeRefusal } from '../protocol/handshake-refusal';
import { originNotAllowed } from './messages';

/** An exact origin (`https://app.example.com`), a wildcard (`https://*.example.com`), or your RegExp. */
export type OriginPattern = string | RegExp;

/**
 * DESIGN.md: browsers send Origin, so an allow-list stops cross-site WebSocket hijacking (403).
 * Requests without Origin come from non-browser clients and are not judged here.
 */
export const checkOrigin = (allowedOrigins: readonly OriginPattern[] | undefined, origin: string | undefined): HandshakeRefusal | undefined =>
  allowedOrigins === undefined || origin === undefined || allowedOrigins.some((pattern) => matchesOrigin(pattern, origin))
    ? undefined
    : new HandshakeRefusal(403, originNotAllowed(origin));

/** Wildcards are matched by prefix and suffix, not by a generated RegExp: linear, no backtracking. */
function matchesOrigin(pattern: OriginPattern, origin: string): boolean {
  if (typeof pattern !== 'string') return pattern.test(origin);
  const star = pattern.indexOf('*');
  if (star === -1) return pattern === origin.toLowerCase();
  const prefix = pattern.slice(0, star);
  const suffix = pattern.slice(star + 1);
  const candidate = origin.toLowerCase();
  if (candidate.length <= prefix.length + suffix.length || !candidate.startsWith(prefix) || !candidate.endsWith(suffix)) return false;
  // "*" stands for one or more DNS labels: no scheme, port or path characters.
  const labels = candidate.slice(prefix.length, candidate.length - suffix.length);
  return /^[a-z0-9.-]+$/.test(labels);
}
