import { LogLevel } from '@nestjs/common';
import { EventCodec } from '../../codec/event-codec.interface';
import { HistoryOptions } from '../../history/history-options.interface';
import { PerMessageDeflateOptions } from '../../protocol/extensions/permessage-deflate';
import { AllowedOrigins, OriginPattern } from '../origin-policy';
import { RoomsAdapter } from '../../rooms/rooms-adapter.interface';

/** Per-connection rate limits, as token buckets refilled continuously. */
export interface RateLimitOptions {
  messagesPerSecond?: number;
  bytesPerSecond?: number;
  /** Each bucket holds this many seconds' worth (the burst a client may send at once); a larger message passes on a full bucket and is paid off before the next. Default 1. */
  burstSeconds?: number;
  /** Over the limit: answer an `error` envelope RATE_LIMITED and drop the message (default), or close with 1008. */
  onExceeded?: 'error' | 'close';
}

/** Per-connection limits: module-wide defaults that each gateway may override. */
export interface ConnectionLimits {
  /** Largest inbound message in bytes; 1009 above it. Default 1 MiB. */
  maxMessageBytes?: number;
  /** Outbound bytes queued per connection before `onBufferOverflow` applies. Default 8 MiB. */
  maxBufferedBytes?: number;
  /** A slow consumer is closed with 1008 (default) or loses the messages that do not fit. */
  onBufferOverflow?: 'close' | 'drop';
  /** Wait for the peer's close frame this long, then destroy the socket. Default 5 s. */
  closeTimeoutMs?: number;
  /** Ping every connection this often; 0 turns the heartbeat off. Default 30 s. */
  heartbeatIntervalMs?: number;
  /** Unanswered pings before a connection is terminated. Default 2. */
  maxMissedPongs?: number;
  /**
   * Browser origins allowed to connect besides same-origin pages (whose Origin names the request's
   * Host); others get 403. Exact (`https://app.example.com`), wildcard (`https://*.example.com`)
   * or a RegExp; `'*'` accepts any origin. Requests without Origin are not judged. Default: same-origin only.
   */
  allowedOrigins?: AllowedOrigins;
  /** Frames one message may take; a flood of tiny fragments gets 1008. Default 16,384 (as `ws` since 8.21); memory is bound by bytes, not fragments. */
  maxFragmentsPerMessage?: number;
  /** Close (1000, "idle timeout") a connection that sent no message for this long, checked at each heartbeat; 0 for never. Default 0. */
  idleTimeoutMs?: number;
  /** Messages and bytes per second per connection (token buckets); see RateLimitOptions. Default: none. */
  rateLimit?: RateLimitOptions;
  /** Turns envelopes into messages and back. Default: JSON in text frames. */
  codec?: EventCodec;
  /**
   * permessage-deflate (RFC 7692) for clients that offer it: `true` for the defaults, or the
   * terms to accept. Default off: compression costs CPU and memory per connection.
   */
  perMessageDeflate?: boolean | PerMessageDeflateOptions;
}

/** `WebSocketModule.forRoot(options)`. */
export interface WebSocketModuleOptions extends ConnectionLimits {
  /** Where rooms live and how broadcasts travel. Default: a MemoryAdapter (this process only). */
  adapter?: RoomsAdapter;
  /** From the upgrade request to the 101, handshake guards included. Default 10 s. */
  handshakeTimeoutMs?: number;
  /** Open connections on one server before new ones get 503. Default: no cap. */
  maxConnections?: number;
  /** Open connections from one remote address before new ones from it get 503. Default: no cap. */
  maxConnectionsPerAddress?: number;
  /**
   * OpenTelemetry spans per connection, per handled message and per room broadcast, through the
   * optional peer dependency `@opentelemetry/api` (start fails with what to install when it is
   * missing). Default off.
   */
  tracing?: boolean;
  /**
   * Which of this library's log lines are written, on top of the application's own levels.
   * Default `['log', 'warn', 'error', 'fatal']`; add `'debug'` for a line per refused handshake and per close.
   */
  logLevels?: LogLevel[];
  /**
   * Message history for the rooms that match, and resumable sessions for every connection
   * (docs/history.md). Default: none.
   *
   * @example
   * history: { rooms: ['chat:*'], maxMessages: 1000, maxAgeMs: 600_000 }
   */
  history?: HistoryOptions;
}

/** The `cors` option of `@Gateway`: which browser origins may connect (see GatewayOptions.cors). */
export interface GatewayCors {
  origin: boolean | OriginPattern | readonly OriginPattern[];
  /**
   * CORS's other fields, as gateways moved from socket.io write them (`credentials: true`,
   * `methods: ['GET', 'POST']`): accepted and ignored. A WebSocket handshake has no preflight,
   * and browsers send its cookies whatever `credentials` says.
   */
  credentials?: boolean;
  methods?: string | readonly string[];
  allowedHeaders?: string | readonly string[];
  exposedHeaders?: string | readonly string[];
  maxAge?: number;
  preflightContinue?: boolean;
  optionsSuccessStatus?: number;
}

/** `@Gateway({ fallback })`: how clients that cannot open a WebSocket reach the gateway (docs/fallback.md). */
export interface FallbackOptions {
  /**
   * Serve the HTTP fallback on the gateway's path: `GET` with `Accept: text/event-stream` opens a
   * session whose messages arrive as server-sent events, `POST` carries the client's messages.
   * The session is a WsConnection with `transport: 'sse'`: same handlers, guards, rooms and limits.
   */
  sse: boolean;
  /**
   * Most messages (lines) one POST may carry; a POST with more gets 413 `TOO_MANY_MESSAGES` and none
   * of them is delivered. Bounds what one request makes the server do at once (a 1 MiB body of tiny
   * lines would be ~500,000 messages). Default: 256.
   */
  maxMessagesPerPost?: number;
}

/** `@Gateway(options)`. */
export interface GatewayOptions extends ConnectionLimits {
  /** The URL path clients connect to, e.g. `/chat`. */
  path: string;
  /** Serve this gateway on a port of its own instead of the application's HTTP server. */
  port?: number;
  /** Subprotocols this gateway speaks; the first one a client offers is chosen. */
  subprotocols?: readonly string[];
  /**
   * socket.io's option, for gateways moved from it: `origin` becomes `allowedOrigins` (`true` or `'*'`:
   * any origin; `false`: same-origin pages only; an origin, a RegExp or a list of them). A WebSocket
   * handshake has no CORS preflight, so CORS's other fields have nothing to apply to. Not with `allowedOrigins`.
   *
   * @example
   * ＠Gateway({ path: '/chat', cors: { origin: ['https://app.example.com'] } })
   */
  cors?: GatewayCors;
  /**
   * Run the handshake guards on the client's first message, `{"event":"$auth","data":{…}}` (what
   * `createClient(url, { auth })` sends), instead of on the upgrade request: guards read
   * `handshake.auth`, and tokens stay out of URLs and the logs that keep them. A connection that
   * sends no `$auth` within `timeoutMs` (default 10 s) is closed with 1008; a refusal answers `$auth`
   * with an error envelope (UNAUTHORIZED, FORBIDDEN) and closes with 1008. Default: off.
   */
  authMessage?: boolean | { timeoutMs?: number };
  /**
   * The HTTP fallback for clients behind proxies that refuse WebSockets (docs/fallback.md); only on
   * the application's HTTP server (not with `port`). Default: off.
   *
   * @example
   * ＠Gateway({ path: '/chat', fallback: { sse: true } })
   */
  fallback?: FallbackOptions;
}
