/** What expectEvent compares data with: a predicate, or a pattern of the properties it must have. */
export type DataMatcher<T> = ((data: T) => boolean) | DeepPartial<T>;

export type DeepPartial<T> = T extends readonly unknown[] ? T : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

/** Jest's expect.any(), expect.stringContaining(), …: anything with asymmetricMatch works in a pattern. */
interface AsymmetricMatcher {
  asymmetricMatch(actual: unknown): boolean;
}

const isAsymmetric = (value: unknown): value is AsymmetricMatcher =>
  typeof value === 'object' && value !== null && typeof (value as Partial<AsymmetricMatcher>).asymmetricMatch === 'function';

/**
 * Does `data` match? A function is called with it. A pattern matches like Jest's toMatchObject:
 * objects by the properties the pattern lists (recursively), arrays element by element and
 * length, other values by Object.is, and asymmetric matchers by their own rule.
 */
export function matchesData(data: unknown, matcher: unknown): boolean {
  if (typeof matcher === 'function') return Boolean((matcher as (value: unknown) => unknown)(data));
  return matchesPattern(data, matcher);
}

function matchesPattern(actual: unknown, pattern: unknown): boolean {
  if (isAsymmetric(pattern)) return pattern.asymmetricMatch(actual);
  if (Object.is(actual, pattern)) return true;
  if (Array.isArray(pattern)) {
    return Array.isArray(actual) && actual.length === pattern.length && pattern.every((item, i) => matchesPattern(actual[i], item));
  }
  if (typeof pattern !== 'object' || pattern === null) return false;
  if (typeof actual !== 'object' || actual === null || Array.isArray(actual)) return false;
  const record = actual as Record<string, unknown>;
  return Object.entries(pattern).every(([key, value]) => matchesPattern(record[key], value));
}

/** For failure messages. */
export function describeMatcher(matcher: unknown): string {
  if (typeof matcher === 'function') return `the predicate ${matcher.name || '(anonymous)'}`;
  try {
    return JSON.stringify(matcher) ?? String(matcher);
  } catch {
    return String(matcher);
  }
}
