import { IncomingMessage, ServerResponse } from 'node:http';
import { CloseCode } from '../../protocol/close-code';
import { HandshakeRefusal } from '../../protocol/handshake-refusal';
import { FALLBACK_SESSION_HEADER, FallbackRefusalBody, FallbackRefusalCode, SSE_MEDIA_TYPE } from '../../wire/fallback';
import { CloseEvent } from '../connection-events';
import { OutboundBudgetPolicy } from '../outbound-budget';
import { PathRouter } from '../path-router';
import { interceptRequests } from '../request-interceptor';
import { TrafficCounters } from '../traffic-counters';
import { WebServer } from '../web-server';
import { PostedMessages, readPostedMessages } from './posted-messages';
import { isSameToken } from './session-token';
import { MAX_POSTS_IN_FLIGHT, SseSession } from './sse-session';

/** What one gateway path serves over the fallback. */
export interface FallbackRoute {
  path: string;
  /** Largest POST body: one message, or a batch of messages that together fit. */
  maxMessageBytes: number;
  /** Most messages one POST may carry (413 TOO_MANY_MESSAGES above it, nothing delivered). */
  maxMessagesPerPost: number;
  outbound: OutboundBudgetPolicy;
  counters: TrafficCounters;
  /** A comment on every stream this often (proxies close idle responses); 0 for none. */
  heartbeatIntervalMs: number;
  /** Close (1000, "idle timeout") a session that posted nothing for this long; 0 for never. */
  idleTimeoutMs: number;
  /** The stream's request judged as an upgrade is (origin, handshake guards): a refusal, or nothing. */
  verify?(request: IncomingMessage): HandshakeRefusal | undefined | Promise<HandshakeRefusal | undefined>;
  /** A new session; posted messages are delivered once this returns (or resolves). */
  onConnection(session: SseSession, request: IncomingMessage): void | Promise<void>;
  onClose?(session: SseSession, event: CloseEvent): void;
  /**
   * Messages posted here for a session this node does not hold: the broker takes them to the node
   * that does (no sticky sessions). True once that node took them, false when no node holds the
   * session with that token; a rejection (broker or node unreachable) answers 503.
   */
  forward?(sessionId: string, token: string, messages: readonly string[]): Promise<boolean>;
  /** A DELETE here for a session of another node: that node closes it with 1000. Answers as `forward` does. */
  forwardClose?(sessionId: string, token: string): Promise<boolean>;
}

/** A session and what the listener keeps for it. */
interface HeldSession {
  session: SseSession;
  route: FallbackRoute;
  postsInFlight: number;
}

export interface FallbackListenerOptions {
  /** Open sessions across all routes before new streams get 503; undefined for no cap (the module's maxConnections). */
  maxSessions?: number;
  /** Open sessions from one remote address before its new streams get 503; undefined for no cap. */
  maxSessionsPerAddress?: number;
  onUnexpectedError(error: unknown): void;
  /** Told about every refused stream, before it is answered (for metrics and logs). */
  onRefusal?(refusal: HandshakeRefusal, request: IncomingMessage): void;
}

/**
 * Serves the HTTP fallback (docs/fallback.md) on the paths of the gateways that enable it:
 * `GET <path>` asking for text/event-stream opens a session, `POST <path>` with the session's
 * header delivers messages to it, `DELETE <path>` closes it. Every other request goes on to the
 * application. Sessions live on the node that holds their stream.
 */
export class FallbackListener {
  private readonly router = new PathRouter<FallbackRoute>();
  private readonly sessions = new Map<string, HeldSession>();
  /** Only with maxSessionsPerAddress: open sessions per remote address. */
  private readonly openByAddress = new Map<string, number>();
  private readonly detachers: Array<() => void> = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private isClosing = false;

  constructor(private readonly options: FallbackListenerOptions) {}

  get size(): number {
    return this.sessions.size;
  }

  addRoute(route: FallbackRoute): void {
    this.router.add(route.path, route);
    if (route.heartbeatIntervalMs <= 0) return;
    const timer = setInterval(() => this.tick(route), route.heartbeatIntervalMs);
    timer.unref();
    this.timers.push(timer);
  }

  attach(server: WebServer): void {
    this.detachers.push(interceptRequests(server, (request, response) => this.take(request, response)));
  }

  /** New streams get 503 from now on; open sessions are untouched. */
  stopAccepting(): void {
    this.isClosing = true;
  }

  /** Closes every session with `code` (1001 by default) and lets go of the servers. */
  close(code: number = CloseCode.GoingAway, reason = 'server shutting down'): Promise<void> {
    this.isClosing = true;
    for (const timer of this.timers) clearInterval(timer);
    const closing = [...this.sessions.values()].map(({ session }) => {
      session.close(code, reason);
      return session.closed;
    });
    for (const detach of this.detachers.splice(0)) detach();
    return Promise.all(closing).then(() => undefined);
  }

  /** True when the request is the fallback's (and answered here). */
  private take(request: IncomingMessage, response: ServerResponse): boolean {
    const route = this.router.match(request.url);
    if (!route) return false;
    switch (request.method) {
      case 'GET':
        if (!acceptsEventStream(request)) return false;
        this.openStream(route, request, response).catch((error: unknown) => this.failStream(request, response, error));
        return true;
      // Without the session header a POST or DELETE on the path is the application's.
      case 'POST':
        if (request.headers[FALLBACK_SESSION_HEADER] === undefined) return false;
        this.post(route, request, response);
        return true;
      case 'DELETE':
        if (request.headers[FALLBACK_SESSION_HEADER] === undefined) return false;
        this.remove(route, request, response);
        return true;
      default:
        return false;
    }
  }

  private async openStream(route: FallbackRoute, request: IncomingMessage, response: ServerResponse): Promise<void> {
    const refusal = this.admissionRefusal(request) ?? (await route.verify?.(request));
    if (refusal) return this.refuse(request, response, refusal);
    if (response.destroyed) return; // the client left while the guards ran
    response.writeHead(200, {
      'Content-Type': `${SSE_MEDIA_TYPE}; charset=utf-8`,
      // No cache may keep it, no proxy may buffer it (nginx reads X-Accel-Buffering).
      'Cache-Control': 'no-store',
      'X-Accel-Buffering': 'no',
    });
    request.socket.setNoDelay(true);
    // The cap may have filled while the guards ran.
    const late = this.admissionRefusal(request);
    if (late) return this.refuse(request, response, late);
    const address = this.options.maxSessionsPerAddress === undefined ? undefined : (request.socket.remoteAddress ?? '');
    const session = new SseSession(response, {
      ...route.outbound,
      path: route.path,
      maxMessagesPerPost: route.maxMessagesPerPost,
      counters: route.counters,
      onUnexpectedError: this.options.onUnexpectedError,
      onClose: (closed, event) => {
        this.sessions.delete(closed.id);
        if (address !== undefined) this.countAddress(address, -1);
        route.onClose?.(closed, event);
      },
    });
    this.sessions.set(session.id, { session, route, postsInFlight: 0 });
    if (address !== undefined) this.countAddress(address, 1);
    try {
      await route.onConnection(session, request);
    } catch (error) {
      this.options.onUnexpectedError(error);
      session.close(CloseCode.InternalError);
    }
    session.open();
  }

  /** 503 while closing, at the session cap, or at the cap for one address (as an upgrade gets, DESIGN.md). */
  private admissionRefusal(request: IncomingMessage): HandshakeRefusal | undefined {
    if (this.isClosing) return new HandshakeRefusal(503, 'server is shutting down');
    const { maxSessions, maxSessionsPerAddress } = this.options;
    if (maxSessions !== undefined && this.sessions.size >= maxSessions) return new HandshakeRefusal(503, 'connection limit reached');
    if (maxSessionsPerAddress !== undefined && (this.openByAddress.get(request.socket.remoteAddress ?? '') ?? 0) >= maxSessionsPerAddress) {
      return new HandshakeRefusal(503, 'connection limit reached for this address');
    }
    return undefined;
  }

  private countAddress(address: string, change: 1 | -1): void {
    const count = (this.openByAddress.get(address) ?? 0) + change;
    if (count <= 0) this.openByAddress.delete(address);
    else this.openByAddress.set(address, count);
  }

  private failStream(request: IncomingMessage, response: ServerResponse, error: unknown): void {
    this.options.onUnexpectedError(error);
    if (!response.headersSent) this.refuse(request, response, new HandshakeRefusal(500, 'internal error'));
  }

  private refuse(request: IncomingMessage, response: ServerResponse, refusal: HandshakeRefusal): void {
    this.options.onRefusal?.(refusal, request);
    if (response.destroyed) return;
    const body = refusal.body + '\n';
    response.writeHead(refusal.status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body), ...refusal.headers });
    response.end(body);
  }

  /** Messages for a session: 202 once they were handed to it, else a JSON error (FallbackRefusalBody). */
  private post(route: FallbackRoute, request: IncomingMessage, response: ServerResponse): void {
    const credentials = credentialsOf(request);
    const held = credentials && this.sessions.get(credentials.id);
    if (credentials && !held && route.forward) return this.postElsewhere(route, credentials, request, response);
    if (!credentials || !held || held.route !== route || !isSameToken(held.session.token, credentials.token)) return answerError(response, 404, 'SESSION_NOT_FOUND', SESSION_NOT_FOUND);
    if (held.postsInFlight >= MAX_POSTS_IN_FLIGHT) return answerError(response, 429, 'TOO_MANY_REQUESTS', `at most ${MAX_POSTS_IN_FLIGHT} POSTs of a session at once`);
    // In flight until delivered: POSTs waiting for the session to start count too.
    held.postsInFlight++;
    readPostedMessages(request, route.maxMessageBytes, route.maxMessagesPerPost)
      .then(async (posted) => {
        if (posted.kind !== 'read') return answerUnread(route, posted, response);
        if (!(await held.session.deliverPosted(posted.messages, posted.bytes))) return answerError(response, 404, 'SESSION_NOT_FOUND', 'the session closed');
        answerJson(response, 202, { accepted: posted.messages.length });
      })
      .catch((error: unknown) => {
        this.options.onUnexpectedError(error);
        answerJson(response, 500, { error: { code: 'INTERNAL', message: 'internal error' } });
      })
      .finally(() => held.postsInFlight--);
  }

  /** A session of another node: the body is read here and forwarded (see FallbackRoute.forward). */
  private postElsewhere(route: FallbackRoute, { id, token }: SessionCredentials, request: IncomingMessage, response: ServerResponse): void {
    const forward = route.forward;
    if (!forward) return;
    readPostedMessages(request, route.maxMessageBytes, route.maxMessagesPerPost)
      .then(async (posted) => {
        if (posted.kind !== 'read') return answerUnread(route, posted, response);
        let isAccepted: boolean;
        try {
          isAccepted = await forward(id, token, posted.messages);
        } catch {
          return answerUnreachable(response);
        }
        if (!isAccepted) return answerError(response, 404, 'SESSION_NOT_FOUND', SESSION_NOT_FOUND);
        answerJson(response, 202, { accepted: posted.messages.length });
      })
      .catch((error: unknown) => {
        this.options.onUnexpectedError(error);
        answerJson(response, 500, { error: { code: 'INTERNAL', message: 'internal error' } });
      });
  }

  /** The client's goodbye: 204 once its session (here or on the node holding it) closed with 1000. */
  private remove(route: FallbackRoute, request: IncomingMessage, response: ServerResponse): void {
    // A DELETE's body means nothing: read and dropped, so the connection can serve the next request.
    request.resume();
    const credentials = credentialsOf(request);
    const held = credentials && this.sessions.get(credentials.id);
    if (credentials && !held && route.forwardClose) return this.removeElsewhere(route.forwardClose, credentials, response);
    if (!credentials || !held || held.route !== route || !isSameToken(held.session.token, credentials.token)) return answerError(response, 404, 'SESSION_NOT_FOUND', SESSION_NOT_FOUND);
    held.session.closedByClient();
    response.writeHead(204).end();
  }

  private removeElsewhere(forwardClose: NonNullable<FallbackRoute['forwardClose']>, { id, token }: SessionCredentials, response: ServerResponse): void {
    forwardClose(id, token).then(
      (isClosed) => (isClosed ? void response.writeHead(204).end() : answerError(response, 404, 'SESSION_NOT_FOUND', SESSION_NOT_FOUND)),
      () => answerUnreachable(response),
    );
  }

  /** One timer per route: idle sessions close, the others get a heartbeat comment. */
  private tick(route: FallbackRoute): void {
    const now = Date.now();
    for (const { session, route: of } of this.sessions.values()) {
      if (of !== route) continue;
      if (route.idleTimeoutMs > 0 && session.lastMessageSeenAt(now) < now - route.idleTimeoutMs) session.close(CloseCode.Normal, 'idle timeout');
      else session.heartbeat();
    }
  }
}

const SESSION_NOT_FOUND = 'no such session: open a new stream';

interface SessionCredentials {
  id: string;
  token: string;
}

/** What a POST or DELETE names in its header: `<session id>:<token>`. */
function credentialsOf(request: IncomingMessage): SessionCredentials | undefined {
  const header = request.headers[FALLBACK_SESSION_HEADER];
  if (typeof header !== 'string') return undefined;
  const colon = header.indexOf(':');
  return colon === -1 ? undefined : { id: header.slice(0, colon), token: header.slice(colon + 1) };
}

/** `Accept: text/event-stream` (what EventSource and our client send), among others or alone. */
const acceptsEventStream = (request: IncomingMessage): boolean => request.headers.accept?.toLowerCase().includes(SSE_MEDIA_TYPE) === true;

/** A POST whose messages are not delivered: too large, too many, not UTF-8, or cut short by the client. */
function answerUnread(route: FallbackRoute, posted: Exclude<PostedMessages, { kind: 'read' }>, response: ServerResponse): void {
  switch (posted.kind) {
    case 'too-large':
      return answerError(response, 413, 'BODY_TOO_LARGE', `a POST carries at most ${route.maxMessageBytes} bytes`, true);
    case 'too-many':
      return answerError(response, 413, 'TOO_MANY_MESSAGES', `a POST carries at most ${route.maxMessagesPerPost} messages`);
    case 'invalid':
      return answerError(response, 400, 'BAD_REQUEST', posted.reason);
    case 'aborted':
      return; // the client left mid-body: nothing of it is delivered
  }
}

const answerUnreachable = (response: ServerResponse): void =>
  answerError(response, 503, 'UNAVAILABLE', 'the node holding the session cannot be reached: retry, or open a new stream');

function answerError(response: ServerResponse, status: number, code: FallbackRefusalCode, message: string, mustClose = false): void {
  const body: FallbackRefusalBody = { error: { code, message } };
  // A body left unread (too large) would be read as the next request: the connection ends instead.
  if (mustClose) response.shouldKeepAlive = false;
  answerJson(response, status, body);
}

function answerJson(response: ServerResponse, status: number, body: object): void {
  if (response.destroyed || response.headersSent) return;
  const text = JSON.stringify(body);
  response.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' });
  response.end(text);
}
