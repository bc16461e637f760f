import { AdapterStats } from '../rooms/rooms-adapter.interface';
import { LatencySnapshot } from './latency-histogram';

/** Messages that were never delivered, by why. */
export interface DroppedMessages {
  /** Outbound messages the `onBufferOverflow: 'drop'` policy discarded (the peer read too slowly). */
  overflow: number;
  /** Inbound messages refused by the rate limit (answered with RATE_LIMITED, or the connection closed). */
  rateLimit: number;
}

/** The traffic of one gateway since the application started. */
export interface GatewayStatsSnapshot {
  /** The path the gateway serves, e.g. `/chat`. */
  path: string;
  /** Open connections now. */
  connections: number;
  /** Connections accepted since start. */
  connectionsOpened: number;
  /** Complete data messages received. */
  messagesIn: number;
  /** Data messages sent (replies, pushes, broadcasts, error envelopes). */
  messagesOut: number;
  /** Bytes read after the handshake: every frame with its header, as sent on the wire. */
  bytesIn: number;
  /** Bytes written after the handshake: data and control frames with their headers. */
  bytesOut: number;
  /** `error` envelopes sent, by their `code` (VALIDATION_FAILED, UNKNOWN_EVENT, RATE_LIMITED, …). */
  errors: Record<string, number>;
  /** Closed connections by close code (1000, 1001, 1006, 1008, …), as the CloseEvent reports it. */
  closes: Record<string, number>;
  droppedMessages: DroppedMessages;
  /** Connections closed with 1008 because they did not read their messages fast enough. */
  slowConsumerCloses: number;
  /** From a message's arrival at the dispatcher to its answer (guards, pipes, interceptors, handler, filters). */
  handlerLatency: LatencySnapshot;
}

/**
 * What `WebSocketStats.snapshot()` returns: totals over every gateway of this node, then each
 * gateway on its own. Plain JSON, so it can be sent as it is (the sample's dashboard does).
 */
export interface WebSocketStatsSnapshot extends Omit<GatewayStatsSnapshot, 'path'> {
  /** When the snapshot was taken, in ms since the epoch (rates are deltas between two snapshots). */
  timestamp: number;
  /** The gateways are bound and accepting connections (false before bootstrap and once shutdown began). */
  isServing: boolean;
  /** Rooms with at least one member (on every node, with a multi-node adapter). */
  rooms: number;
  /** Upgrade requests answered with an HTTP status instead of a 101, by that status. */
  handshakeRefusals: Record<string, number>;
  /** By gateway class name. */
  gateways: Record<string, GatewayStatsSnapshot>;
  /** How the rooms adapter reaches the other nodes. */
  adapter: AdapterStats;
}
