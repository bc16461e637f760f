/** What a log line shows of a thrown value: an Error's stack, else its text. Never throws: user code may throw anything, even `Object.create(null)`. */
export function describeError(error: unknown): string {
  try {
    return error instanceof Error ? String(error.stack) : String(error);
  } catch {
    return Object.prototype.toString.call(error);
  }
}
