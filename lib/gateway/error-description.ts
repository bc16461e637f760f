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

/** What a log line shows of a thrown value: an Error's stack, else its text. Never throws: user code may throw anything, even `Object.create(null)`. */
export function describeError(error: unknown): string {
  try {
    return error instanceof Error ? (stackOf(error) ?? `${error.name}: ${error.message}`) : String(error);
  } catch {
    return Object.prototype.toString.call(error);
  }
}
