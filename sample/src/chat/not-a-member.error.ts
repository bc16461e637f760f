/** A domain error: the gateway throws it, ChatErrorFilter turns it into the client's error body. */
export class NotAMemberError extends Error {
  constructor(readonly room: string) {
    super(`you have not joined "${room}"`);
  }
}
