import { AckEnvelope, Envelope } from '../wire/envelope';
import { EventCodec } from '../codec/event-codec.interface';
import { CloseCode } from '../protocol/close-code';
import { ReadyState } from '../transport/connection-events';
import { MessageLink, TransportKind } from '../transport/message-link';
import { isSameToken } from '../transport/fallback/session-token';
import { MAX_POSTS_IN_FLIGHT, SseSession } from '../transport/fallback/sse-session';
import { HandshakeInfo } from './handshake-info';
import { ClientNotStartedError } from './client-request-errors';
import { ClientRequestOptions, ClientRequests } from './client-requests';

/**
 * A client connection as application code sees it: inject it with `@ConnectedSocket()`,
 * find it in the `ConnectionRegistry`, put it in `Rooms`.
 *
 * @example
 * ＠OnMessage('hello') hello(＠ConnectedSocket() client: WsConnection<{ user: User }>) {
 *   client.send('welcome', { name: client.data.user.name });
 * }
 */
export class WsConnection<TData extends object = Record<string, unknown>> {
  /** Unique per connection, across nodes. */
  readonly id: string;
  /** Your attributes for this connection (e.g. the user a handshake guard attached). */
  data: TData;
  /** Requests to the client waiting for answers, made by the first request(). */
  private requests: ClientRequests | undefined;

  constructor(
    /** @internal The WebSocket Connection or fallback session underneath. */
    readonly link: MessageLink,
    readonly handshake: HandshakeInfo,
    /** The name of the gateway class that accepted the connection. */
    readonly gateway: string,
    private readonly codec: EventCodec,
    data: TData,
  ) {
    this.id = link.id;
    this.data = data;
  }

  /** How this client is connected: a WebSocket, or the HTTP fallback (server-sent events down, POST up; docs/fallback.md). */
  get transport(): TransportKind {
    return this.link.kind;
  }

  get remoteAddress(): string | undefined {
    return this.handshake.remoteAddress;
  }

  get protocol(): string | undefined {
    return this.link.protocol;
  }

  get readyState(): ReadyState {
    return this.link.readyState;
  }

  /** Bytes queued for this client and not yet handed to the kernel. */
  get bufferedAmount(): number {
    return this.link.bufferedAmount;
  }

  /**
   * Pushes `{"event":…,"data":…}`. False when the connection is not open or must drain first.
   * Code written for `ws` sends envelopes it made itself, `client.send(JSON.stringify({ event, data }))`
   * (so does Nest's BaseWsExceptionFilter): one argument that is such a text goes out as it is.
   */
  send(event: string, data?: unknown): boolean {
    if (data === undefined && typeof event === 'string' && event.startsWith(ENVELOPE_TEXT_START)) return this.sendRaw(event);
    return this.sendEnvelope({ event, data });
  }

  /** Sends a whole envelope (e.g. a reply carrying `id`) through the gateway's codec. */
  sendEnvelope(envelope: Envelope): boolean {
    // Text straight into the send queue's batch (a string) or a binary frame (a Buffer), as encodeEnvelope (outbound-frames.ts) frames them.
    return this.link.send(this.codec.encode(envelope));
  }

  /** Sends a raw message: a string as text, a Buffer as binary. */
  sendRaw(message: string | Buffer): boolean {
    return this.link.send(message);
  }

  /** Writes a frame that was encoded once for many connections (broadcasts). */
  sendFrame(frame: Buffer): boolean {
    return this.link.sendFrame(frame);
  }

  /**
   * Asks the client and waits for its answer, like socket.io's `emitWithAck`: sends
   * `{"event","data","ack"}`, and a handler the client registered with `client.onRequest(event, …)`
   * answers. Rejects with ClientRefusedError (the client answered an error: NO_HANDLER, INTERNAL or
   * its handler's code), ClientRequestTimeoutError (10 s by default), ClientDisconnectedError (the
   * connection closed first), TooManyClientRequestsError (1,000 are waiting already) or, at once,
   * ClientNotStartedError (asked in handleConnection: the answer is read only after it returned).
   *
   * @example
   * const { ok } = await client.request<{ ok: boolean }>('confirm', { question: 'Delete?' }, { timeoutMs: 30_000 });
   */
  request<T = unknown>(event: string, data?: unknown, options: ClientRequestOptions = {}): Promise<T> {
    // Not read before the gateway has started it (handleConnection): the answer would wait for the request.
    if (!this.link.hasStartedReading) return Promise.reject(new ClientNotStartedError(event));
    this.requests ??= new ClientRequests(this.link, (envelope) => this.sendEnvelope(envelope));
    return this.requests.request(event, data, options.timeoutMs) as Promise<T>;
  }

  /** @internal The client's answer to request(); false when this connection never sent its `ack`. */
  settleRequest(answer: AckEnvelope): boolean {
    return this.requests?.settle(answer) ?? false;
  }

  /** @internal Messages a client posted to the HTTP fallback on another node, or its DELETE: false unless this is that fallback session, posted to its gateway's path, and the token is its own. */
  acceptPosted({ path, token, messages, closes }: { path: string; token: string; messages: readonly string[]; closes?: boolean }): Promise<boolean> {
    const { link } = this;
    // Another gateway's path read the body with its own limits: not this session's, as on the holder's own node.
    if (!(link instanceof SseSession) || link.path !== path || !isSameToken(link.token, token)) return Promise.resolve(false);
    if (closes === true) {
      link.closedByClient();
      return Promise.resolve(true);
    }
    return link.deliverPosted(messages, messages.reduce((bytes, message) => bytes + Buffer.byteLength(message) + 1, 0), MAX_POSTS_IN_FLIGHT);
  }

  close(code: number = CloseCode.Normal, reason = ''): void {
    this.link.close(code, reason);
  }

  terminate(): void {
    this.link.terminate();
  }
}

/** How `JSON.stringify({ event, data })` begins; no event name does. */
const ENVELOPE_TEXT_START = '{"event":';
