/**
 * An HTTP answer that refuses an upgrade (DESIGN.md: 400, 401, 403, 404, 426, 503).
 * transport/write-refusal.ts turns it into a complete response and ends the socket.
 */
export class HandshakeRefusal {
  constructor(
    readonly status: number,
    /** Shown to the client as the response body; never internals. */
    readonly body: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {}
}
