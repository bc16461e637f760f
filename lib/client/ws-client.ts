import { backoffDelayMs } from './backoff';
import { ClientOptions, ReconnectContext, ResolvedClientOptions, resolveClientOptions } from './client-options';
import { AuthRefusedError, ConnectionClosedError, QueueFullError, RequestError, UnexpectedMessageError } from './client-errors';
import { canTransition, ClientState } from './client-state';
import { ClientListeners } from './client-listeners';
import { AUTH_EVENT, decodeEnvelope, encodeEnvelope, ERROR_EVENT, errorBodyOf, RESUME_EVENT, ResumeReply, SESSION_EVENT } from './envelope';
import { DataArgs, DataOf, EventMap, EventName, EventSender, RequestArgs, RequestOptions } from './event-map';
import { OutboundMessage, Outbox } from './outbox';
import { PendingRequests } from './pending-requests';
import { AnswerChannel, ServerRequest } from './request-handlers';
import { RoomPositions } from './room-positions';
import { PageLocation, toHttpUrl, toSocketUrl } from './socket-url';
import { SseSocket } from './sse-socket';
import { TransportKind, TransportSwitch } from './transport-switch';
import { SOCKET_OPEN, WebSocketLike } from './web-socket-like';

/** Where to connect: a URL, or a function asked before every attempt (a fresh token, a resume query). */
export type ClientUrl = string | (() => string);

interface Waiter {
  resolve(): void;
  reject(error: Error): void;
}

/** 1000, or 3000-4999: the codes the WHATWG WebSocket lets a page send. */
const isSendableByClient = (code: number): boolean => code === 1000 || (code >= 3000 && code <= 4999);

/**
 * A WebSocket client for gateways that speak the envelope of nest-rfc6455 (`{"event","data","id"}`),
 * on the platform's own WebSocket: requests matched to replies by id, reconnection with backoff,
 * a bounded queue while disconnected, and typed events.
 *
 * @example
 * const client = createClient<{ say: { room: string; text: string } }, { said: Said }>('/chat', {
 *   onReconnect: (session) => session.request('join', { room: 'lobby', name: 'ada' }),
 * });
 * client.on('said', (said) => render(said));
 * await client.connect();
 * client.emit('say', { room: 'lobby', text: 'hello' });
 */
export class WsClient<Emits extends object = EventMap, Receives extends object = EventMap> extends ClientListeners<Receives> implements EventSender<Emits, Receives> {
  private readonly options: ResolvedClientOptions<Emits, Receives>;
  private readonly pending = new PendingRequests();
  private readonly outbox: Outbox;
  private currentState: ClientState = 'idle';
  private socket: WebSocketLike | undefined;
  private isSocketOpen = false;
  /** Since connect(): the next open is a reconnection, and onReconnect runs. */
  private hasOpened = false;
  /** Attempts that failed since the last open. */
  private failedAttempts = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private connectWaiters: Waiter[] = [];
  private closeWaiters: Array<() => void> = [];
  /** The server's session for this client (servers with `history`), resumed after a reconnection. */
  private sessionId: string | undefined;
  /** The newest position received in each room with history. */
  private readonly positions = new RoomPositions();
  /** The server refused `auth` on this socket: its close ends the client instead of a retry. */
  private authRefusal: AuthRefusedError | undefined;
  /** WebSocket or the HTTP fallback, and the probes that move back up. */
  private readonly transports: TransportSwitch;

  constructor(
    private readonly url: ClientUrl,
    options: ClientOptions<Emits, Receives> = {},
  ) {
    super();
    this.options = resolveClientOptions(options);
    this.outbox = new Outbox(this.options.queue.maxMessages, this.options.queue.overflow);
    this.transports = new TransportSwitch(this.options.WebSocket, this.options.fallback, () => this.moveUp());
  }

  get state(): ClientState {
    return this.currentState;
  }

  /** How the current (or next) connection goes: `'websocket'`, or `'sse'` on the HTTP fallback. */
  get transport(): TransportKind {
    return this.transports.current;
  }

  /** Messages waiting for the connection. */
  get queuedMessages(): number {
    return this.outbox.size;
  }

  /** Requests waiting for their reply, sent or queued. */
  get pendingRequests(): number {
    return this.pending.size;
  }

  /**
   * Opens the connection; resolves once it is open (after retries, when the first attempts fail).
   * Rejects with ConnectionClosedError when the client gives up or is closed first.
   */
  connect(): Promise<void> {
    if (this.currentState === 'open') return Promise.resolve();
    if (this.currentState === 'closing') return Promise.reject(new ConnectionClosedError(1000, '', 'the client is closing'));
    const opened = new Promise<void>((resolve, reject) => this.connectWaiters.push({ resolve, reject }));
    if (this.currentState === 'idle' || this.currentState === 'closed') {
      this.hasOpened = false;
      this.sessionId = undefined;
      this.positions.clear();
      this.failedAttempts = 0;
      this.setState('connecting');
      this.openSocket();
    }
    return opened;
  }

  /**
   * Closes the connection and stops reconnecting. Requests still waiting reject with
   * ConnectionClosedError, and queued messages are discarded. Resolves once the socket has closed.
   */
  close(code = 1000, reason = ''): Promise<void> {
    if (!isSendableByClient(code)) throw new RangeError(`a client may close with 1000 or 3000-4999, not ${code}`);
    if (this.currentState === 'idle' || this.currentState === 'closed') {
      if (this.currentState === 'idle') this.setState('closed');
      return Promise.resolve();
    }
    const closed = new Promise<void>((resolve) => this.closeWaiters.push(resolve));
    if (this.currentState === 'closing') return closed;
    this.transports.stopProbing();
    const error = new ConnectionClosedError(code, reason, 'the client was closed');
    const socket = this.socket;
    if (!socket) {
      this.finish(error); // waiting for a retry: nothing to close
      return closed;
    }
    this.setState('closing');
    this.discardWaiting(error);
    socket.close(code, reason);
    return closed;
  }

  /**
   * Sends `{"event","data"}` now when open, else queues it for the next connection (see `queue`).
   * Throws ConnectionClosedError after close(), and QueueFullError under `overflow: 'reject'`.
   */
  emit<K extends EventName<Emits>>(event: K, ...args: DataArgs<DataOf<Emits, K>>): void {
    this.assertUsable();
    this.send({ event, text: encodeEnvelope(event, args[0]) });
  }

  request<K extends EventName<Emits>>(event: K, ...args: RequestArgs<DataOf<Emits, K>>): Promise<DataOf<Receives, K>> {
    return this.startRequest(event, args[0], args[1]) as Promise<DataOf<Receives, K>>;
  }

  private assertUsable(): void {
    if (this.currentState === 'closing' || this.currentState === 'closed') {
      throw new ConnectionClosedError(1000, '', `the client is ${this.currentState}: call connect() first`);
    }
  }

  /** `via` is the socket of an onReconnect hook: its messages skip the queue. */
  private startRequest(event: string, data: unknown, options: RequestOptions | undefined, via?: WebSocketLike): Promise<unknown> {
    try {
      this.assertUsable();
    } catch (error) {
      return Promise.reject(error);
    }
    const id = this.pending.nextId();
    const timeoutMs = options?.timeoutMs ?? this.options.requestTimeoutMs;
    // A queued request that timed out leaves the queue: nobody waits for its answer any more.
    const reply = this.pending.add(id, event, timeoutMs, () => this.outbox.removeRequest(id));
    try {
      this.send({ event, text: encodeEnvelope(event, data, id), requestId: id }, via);
    } catch (error) {
      this.pending.reject(id, error instanceof Error ? error : new Error(String(error)));
    }
    return reply;
  }

  private send(message: OutboundMessage, via?: WebSocketLike): void {
    if (via) {
      if (via !== this.socket || !this.isSocketOpen) throw new ConnectionClosedError(1006, '', 'the connection dropped during onReconnect');
      this.write(via, message);
      return;
    }
    const socket = this.socket;
    if (this.currentState === 'open' && socket && socket.readyState === SOCKET_OPEN) {
      this.write(socket, message);
      return;
    }
    const { dropped } = this.outbox.push(message);
    if (!dropped) return;
    if (dropped.requestId !== undefined) {
      this.pending.reject(dropped.requestId, new QueueFullError(dropped.event, this.outbox.maxMessages));
    }
    this.emitConnection('dropped', { event: dropped.event });
  }

  private write(socket: WebSocketLike, message: OutboundMessage): void {
    socket.send(message.text);
    if (message.requestId !== undefined) this.pending.markSent(message.requestId);
  }

  private openSocket(): void {
    this.retryTimer = undefined;
    let socket: WebSocketLike;
    try {
      const url = typeof this.url === 'function' ? this.url() : this.url;
      const page = (globalThis as { location?: PageLocation }).location;
      const { WebSocket, fallback } = this.options;
      socket =
        this.transports.current === 'sse' && fallback
          ? new SseSocket(toHttpUrl(url, page), fallback.fetch)
          : new (WebSocket as NonNullable<typeof WebSocket>)(toSocketUrl(url, page), this.options.protocols);
    } catch (error) {
      // A URL the platform refuses does not get better with retries.
      this.finish(new ConnectionClosedError(1006, '', `cannot open a WebSocket: ${error instanceof Error ? error.message : String(error)}`));
      return;
    }
    this.socket = socket;
    this.isSocketOpen = false;
    // Answers go back on the socket their request came on, or nowhere: another connection's server never asked.
    const answers: AnswerChannel = {
      send: (text) => {
        if (socket === this.socket && socket.readyState === SOCKET_OPEN) socket.send(text);
      },
      reportFailure: (error) => this.emitConnection('error', { error }),
    };
    socket.addEventListener('open', () => {
      if (socket === this.socket) void this.handleOpen(socket);
    });
    socket.addEventListener('message', (event) => {
      if (socket === this.socket) this.handleMessage(event.data, answers);
    });
    socket.addEventListener('close', (event) => {
      if (socket === this.socket) this.handleClose(event.code, event.reason, event.wasClean);
    });
    socket.addEventListener('error', () => undefined); // 'close' follows, with the code
  }

  private async handleOpen(socket: WebSocketLike): Promise<void> {
    if (this.currentState === 'closing') return; // close() came first; its 'close' event follows
    this.isSocketOpen = true;
    const isReconnect = this.hasOpened;
    const attempts = this.failedAttempts;
    const session = this.sessionId; // the new connection's $session push will replace it
    this.hasOpened = true;
    this.failedAttempts = 0;
    this.transports.opened(() => toSocketUrl(typeof this.url === 'function' ? this.url() : this.url, (globalThis as { location?: PageLocation }).location), this.options.protocols);
    this.emitConnection('open', { isReconnect, transport: this.transports.current });
    if (this.options.auth && !(await this.authenticate(socket, this.options.auth))) return;
    if (isReconnect) {
      if (session !== undefined && this.options.resume) await this.resumeSession(socket, session);
      if (socket !== this.socket || this.currentState !== 'reconnecting') return;
      await this.runReconnectHook(socket, attempts);
      // The socket may have dropped, or close() been called, while the hook ran.
      if (socket !== this.socket || this.currentState !== 'reconnecting') return;
    }
    this.setState('open');
    for (const message of this.outbox.drain()) this.write(socket, message);
    if (isReconnect) this.emitConnection('reconnected', { attempts });
    for (const waiter of this.connectWaiters.splice(0)) waiter.resolve();
  }

  /**
   * `$auth` before anything else; false when the socket will not be used (it dropped, or is closed
   * here: after a refusal for good, after a failure of the auth function or no answer for a retry).
   */
  private async authenticate(socket: WebSocketLike, auth: NonNullable<ClientOptions['auth']>): Promise<boolean> {
    try {
      await this.startRequest(AUTH_EVENT, typeof auth === 'function' ? await auth() : auth, undefined, socket);
      return socket === this.socket;
    } catch (error) {
      if (socket !== this.socket) return false;
      if (error instanceof RequestError) this.authRefusal = new AuthRefusedError(error.body);
      else this.emitConnection('error', { error });
      socket.close(1000);
      return false;
    }
  }

  /** `$resume` with the session and the position in each room; the replay arrives before the reply. */
  private async resumeSession(socket: WebSocketLike, session: string): Promise<void> {
    try {
      const reply = (await this.startRequest(RESUME_EVENT, { session, rooms: this.positions.presented() }, undefined, socket)) as ResumeReply;
      if (reply.restored) this.sessionId = reply.session;
      const unrecovered = this.positions.resumed(reply);
      this.emitConnection('resumed', { session: reply.session, restored: reply.restored, rooms: reply.rooms, unrecovered });
    } catch (error) {
      // No answer: the new connection's $session id holds nothing unless the resume went through,
      // while the presented one still holds the session unless it did (then it answers restored: false).
      this.sessionId = session;
      this.emitConnection('error', { error });
    }
  }

  private async runReconnectHook(socket: WebSocketLike, attempts: number): Promise<void> {
    const hook = this.options.onReconnect;
    if (!hook) return;
    const session: ReconnectContext<Emits, Receives> = {
      attempts,
      emit: (event: string, data?: unknown) => this.send({ event, text: encodeEnvelope(event, data) }, socket),
      request: <K extends EventName<Emits>>(event: K, ...args: RequestArgs<DataOf<Emits, K>>) =>
        this.startRequest(event, args[0], args[1], socket) as Promise<DataOf<Receives, K>>,
    };
    try {
      await hook(session);
    } catch (error) {
      this.emitConnection('error', { error });
    }
  }

  private handleMessage(data: unknown, answers: AnswerChannel): void {
    const envelope = typeof data === 'string' ? decodeEnvelope(data) : undefined;
    if (!envelope) {
      this.emitConnection('error', { error: new UnexpectedMessageError(data) });
      return;
    }
    if (envelope.ack !== undefined) return this.requestHandlers.answer(envelope as ServerRequest, answers);
    // A reply nobody waits for any more was already answered by a RequestTimeoutError or a
    // ConnectionClosedError; handing it to on() listeners would answer twice.
    if (this.pending.settle(envelope) || this.pending.isLateReply(envelope)) return;
    if (envelope.event === SESSION_EVENT) {
      const id = (envelope.data as { id?: unknown } | undefined)?.id;
      if (typeof id === 'string') this.sessionId = id;
      return;
    }
    if (!this.positions.isNew(envelope)) return;
    this.serverListeners.emit(envelope.event, envelope.event === ERROR_EVENT ? errorBodyOf(envelope.data) : envelope.data, envelope);
  }

  private handleClose(code: number, reason: string, wasClean: boolean): void {
    const wasOpen = this.isSocketOpen;
    this.transports.closed(wasOpen);
    this.socket = undefined;
    this.isSocketOpen = false;
    const error = new ConnectionClosedError(code, reason);
    // Requests written to this socket can no longer be answered; queued ones wait for the next.
    this.pending.rejectSent(error);
    const refusal = this.authRefusal;
    this.authRefusal = undefined;
    if (refusal && this.currentState !== 'closing') {
      if (wasOpen) this.emitConnection('close', { code, reason, wasClean, willReconnect: false });
      this.finish(refusal);
      return;
    }
    if (this.currentState === 'closing') {
      if (wasOpen) this.emitConnection('close', { code, reason, wasClean, willReconnect: false });
      this.finish(error);
      return;
    }
    const reconnect = this.options.reconnect;
    const willReconnect = reconnect !== false && this.failedAttempts < reconnect.maxAttempts;
    if (wasOpen) this.emitConnection('close', { code, reason, wasClean, willReconnect });
    if (willReconnect) {
      this.scheduleReconnect();
      return;
    }
    if (reconnect !== false) this.emitConnection('reconnectFailed', { attempts: this.failedAttempts });
    this.finish(error);
  }

  private scheduleReconnect(): void {
    const reconnect = this.options.reconnect;
    if (reconnect === false) return;
    this.failedAttempts += 1;
    // Moving between transports is not a failure: the next attempt goes at once.
    const delayMs = this.transports.takeSwitchPending() ? 0 : backoffDelayMs(this.failedAttempts, reconnect, this.options.random);
    this.setState('reconnecting');
    this.emitConnection('reconnecting', { attempt: this.failedAttempts, delayMs });
    this.retryTimer = setTimeout(() => this.openSocket(), delayMs);
  }

  /** Requests and queued messages will never be sent: reject and drop them. */
  private discardWaiting(error: ConnectionClosedError | AuthRefusedError): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.pending.rejectAll(error);
    this.outbox.drain();
    for (const waiter of this.connectWaiters.splice(0)) waiter.reject(error);
  }

  /** A WebSocket probe opened while on the fallback: the fallback session ends, and the next attempt is a WebSocket that resumes it. */
  private moveUp(): void {
    if (this.currentState === 'open' && this.socket) this.socket.close(1000, 'moving to WebSocket');
  }

  private finish(error: ConnectionClosedError | AuthRefusedError): void {
    this.transports.stopProbing();
    this.discardWaiting(error);
    this.setState('closed');
    for (const resolve of this.closeWaiters.splice(0)) resolve();
  }

  private setState(next: ClientState): void {
    const previous = this.currentState;
    if (previous === next) return;
    if (!canTransition(previous, next)) throw new Error(`nest-rfc6455 client: no transition from ${previous} to ${next}`);
    this.currentState = next;
    this.emitConnection('state', { state: next, previous });
  }
}

/**
 * Creates a client; call `connect()` to open it.
 *
 * @example
 * import { WebSocket } from 'undici'; // Node 20; browsers and Node 22 have a global one
 * const client = createClient<ChatEmits, ChatEvents>('ws://localhost:3000/chat', { WebSocket });
 * await client.connect();
 * const { members } = await client.request('join', { room: 'lobby', name: 'ada' });
 */
export function createClient<Emits extends object = EventMap, Receives extends object = EventMap>(
  url: ClientUrl,
  options: ClientOptions<Emits, Receives> = {},
): WsClient<Emits, Receives> {
  return new WsClient<Emits, Receives>(url, options);
}
