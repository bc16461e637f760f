import { ErrorBody } from '../wire/envelope';

/** Every way `client.request()` on the server can fail: `catch (e) { if (e instanceof ClientRequestError) … }`. */
export class ClientRequestError extends Error {
  constructor(
    /** The event the server asked the client about. */
    readonly event: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * The client answered with an error envelope: its handler threw (INTERNAL, or the code of the
 * RequestError it threw), or it has no handler for the event (NO_HANDLER).
 */
export class ClientRefusedError extends ClientRequestError {
  readonly code: string;
  readonly details: unknown;

  constructor(event: string, body: ErrorBody) {
    super(event, `the client answered "${event}" with ${body.code}: ${body.message}`);
    this.code = body.code;
    this.details = body.details;
  }
}

/** No answer came in time. An answer that comes later is dropped. */
export class ClientRequestTimeoutError extends ClientRequestError {
  constructor(
    event: string,
    readonly timeoutMs: number,
  ) {
    super(event, `the client did not answer "${event}" within ${timeoutMs} ms`);
  }
}

/** The connection closed before the client answered, or was not open when the request was made. */
export class ClientDisconnectedError extends ClientRequestError {
  constructor(
    event: string,
    /** The close code, 1006 when no close frame was exchanged; undefined when the connection was closing already. */
    readonly closeCode: number | undefined,
  ) {
    super(event, `the connection closed before the client answered "${event}"${closeCode === undefined ? '' : ` (${closeCode})`}`);
  }
}

/** The connection already waits for this many answers: the request was not sent. */
export class TooManyClientRequestsError extends ClientRequestError {
  constructor(
    event: string,
    readonly maxPending: number,
  ) {
    super(event, `"${event}" was not sent: ${maxPending} requests to this client are waiting for an answer`);
  }
}

/**
 * Asked while the connection was still starting (in handleConnection, or before the `$auth` answer):
 * the client's messages are read only once it has started, so the answer would wait behind the
 * request that waits for it. Not sent: ask once handleConnection has returned.
 */
export class ClientNotStartedError extends ClientRequestError {
  constructor(event: string) {
    super(event, `"${event}" was not sent: the connection is still starting (handleConnection has not returned), and the client's answer would be read only after it`);
  }
}
