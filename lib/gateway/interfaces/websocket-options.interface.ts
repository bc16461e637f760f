import { EventCodec } from '../../codec/event-codec.interface';
import { PerMessageDeflateOptions } from '../../protocol/extensions/permessage-deflate';
import { RoomsAdapter } from '../../rooms/rooms-adapter.interface';

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
  /** Browser origins allowed to connect; others get 403. Default: any origin. */
  allowedOrigins?: readonly string[];
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
}

/** `@Gateway(options)`. */
export interface GatewayOptions extends ConnectionLimits {
  /** The URL path clients connect to, e.g. `/chat`. */
  path: string;
  /** Serve this gateway on a port of its own instead of the application's HTTP server. */
  port?: number;
  /** Subprotocols this gateway speaks; the first one a client offers is chosen. */
  subprotocols?: readonly string[];
}
