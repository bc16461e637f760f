import { randomBytes, timingSafeEqual } from 'node:crypto';

/** 256 random bits, base64url: unguessable, and bound to one session (it dies with it). */
export const newSessionToken = (): string => randomBytes(32).toString('base64url');

/** Compares in constant time, so a forger learns nothing from how long a refusal took. */
export function isSameToken(expected: string, presented: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}
