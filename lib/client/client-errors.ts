import { ErrorBody } from './envelope';

/** Every error the client rejects or throws with: `catch (e) { if (e instanceof ClientError) … }`. */
export class ClientError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * The server answered a request with an `error` envelope (a guard, pipe, handler or filter refused it).
 *
 * @example
 * try { await client.request('say', { room: 'lobby', text: 'hi' }); }
 * catch (error) { if (error instanceof RequestError && error.code === 'NOT_A_MEMBER') rejoin(); }
 */
export class RequestError extends ClientError {
  readonly code: string;
  readonly details: unknown;
  /** The event the server says failed, when it said. */
  readonly event: string | undefined;

  constructor(readonly body: ErrorBody) {
    super(body.message);
    this.code = body.code;
    this.details = body.details;
    this.event = body.event;
  }
}

/**
 * The server refused the client's `auth` (its `$auth` was answered with an error envelope, e.g.
 * UNAUTHORIZED from a handshake guard). The client does not retry with the same credentials: it
 * closes, and `connect()` and the waiting requests reject with this.
 */
export class AuthRefusedError extends RequestError {}

/** No reply with the request's id arrived in time. A reply that comes later is ignored (not passed to `on()`). */
export class RequestTimeoutError extends ClientError {
  constructor(
    readonly event: string,
    readonly timeoutMs: number,
  ) {
    super(`no reply to "${event}" within ${timeoutMs} ms`);
  }
}

/**
 * The connection closed before the request was answered, or the client was closed (`close()`, or
 * reconnection gave up). 1006 is the code of a connection that ended without a close frame.
 */
export class ConnectionClosedError extends ClientError {
  constructor(
    readonly code: number,
    readonly reason: string,
    message = `the connection closed (${code}${reason ? ` "${reason}"` : ''})`,
  ) {
    super(message);
  }
}

/** The queue of messages waiting for a connection was full, and this message did not get in or was pushed out. */
export class QueueFullError extends ClientError {
  constructor(
    readonly event: string,
    readonly maxMessages: number,
  ) {
    super(`"${event}" was dropped: ${maxMessages} messages were already waiting for the connection`);
  }
}

/** The server sent something that is not an envelope of the wire contract (a binary frame, or text that is not one). */
export class UnexpectedMessageError extends ClientError {
  constructor(readonly received: unknown) {
    super(typeof received === 'string' ? `not an envelope: ${received.slice(0, 120)}` : 'a binary message, which the envelope client does not read');
  }
}
