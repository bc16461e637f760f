/**
 * A handler's reply (or one emission of its Observable) that could not be encoded. The value is
 * at fault, not an exception of the handler's: it skips the exception filters and answers INTERNAL.
 */
export class ReplyEncodingError extends Error {
  constructor(
    /** What failed on it: the codec's `encode`, or JSON.stringify for a raw handler's reply. */
    readonly encoder: string,
    override readonly cause: unknown,
  ) {
    super(`${encoder} could not encode a reply`);
  }
}
