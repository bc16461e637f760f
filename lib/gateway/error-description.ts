/**
 * An Error's stack when it can be read: the app may override Error.prepareStackTrace (it then
 * runs on this read, and may throw or return frames) or define `stack` as anything.
 */
export function stackOf(error: Error): string | undefined {
  try {
    const { stack } = error;
    return typeof stack === 'string' ? stack : undefined;
  } catch {
    return undefined; // unreadable: the caller says what it can without it
  }
}

/** `instanceof`, false instead of throwing: on a revoked Proxy every look throws. */
export function isInstanceOf<T>(value: unknown, type: abstract new (...args: never[]) => T): value is T {
  try {
    return value instanceof type;
  } catch {
    return false;
  }
}

export const isError = (value: unknown): value is Error => isInstanceOf(value, Error);

/** What a log line shows of a thrown value: an Error's stack, else its text. Never throws: user code may throw anything, even `Object.create(null)`. */
export function describeError(error: unknown): string {
  try {
    return isError(error) ? (stackOf(error) ?? `${error.name}: ${error.message}`) : String(error);
  } catch {
    return describeUnreadable(error);
  }
}

function describeUnreadable(value: unknown): string {
  try {
    return Object.prototype.toString.call(value);
  } catch {
    return '(a value that cannot be read, such as a revoked Proxy)';
  }
}
