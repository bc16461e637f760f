import { Duplex } from 'node:stream';
import { DeflateParams } from '../protocol/extensions/permessage-deflate';
import { OutboundBudgetPolicy } from './outbound-budget';
import { TrafficCounters } from './traffic-counters';

/** The WebSocket readyState values (same numbers as the browser API). */
export enum ReadyState {
  Connecting = 0,
  Open = 1,
  Closing = 2,
  Closed = 3,
}

/** What the sending half reads (connection-outbound.ts); maxBufferedBytes and onBufferOverflow: the route's outbound budget (outbound-budget.ts). */
export interface OutboundOptions extends OutboundBudgetPolicy {
  /** Largest inbound message; 1009 above it. */
  maxMessageBytes: number;
  /** permessage-deflate parameters, when the handshake agreed on it (RFC 7692). */
  deflate?: DeflateParams;
  /** Where this connection's traffic is counted, shared by the connections of a route; a private set when absent. */
  counters?: TrafficCounters;
}

/** A connection's options; `Handle` is the Connection (connection.ts names it, so this file need not import it). */
export interface ConnectionOptionsOf<Handle> extends OutboundOptions {
  /** Frames one inbound message may take; 1008 above it. */
  maxFragmentsPerMessage?: number;
  /** How long to wait for the peer's close frame (or its FIN) before destroying the socket. */
  closeTimeoutMs: number;
  /** How the socket is aborted when not by its destroy(): an HTTP/2 stream sends RST_STREAM (RFC 8441 §6). */
  abortSocket?: (socket: Duplex) => void;
  /** Told about errors thrown by our own listeners (the connection then closes with 1011). */
  onUnexpectedError?: (error: unknown, connection: Handle) => void;
  /**
   * Told when the socket has closed, before the 'close' event. One function for all the
   * connections of a route, so that tracking them costs no listener per connection.
   */
  onClose?: (connection: Handle, event: CloseEvent) => void;
}

export interface CloseEvent {
  /** The peer's close code; the one we sent when the peer sent none; 1006 when no close frame was exchanged. */
  code: number;
  reason: string;
  /** Both close frames were exchanged before TCP closed (§7.1.4). */
  wasClean: boolean;
}

export interface ConnectionEvents {
  /** `receivedAtMs`: performance.now() when the socket read that carried it was handled, or when it was inflated. */
  message: [data: string | Buffer, receivedAtMs: number];
  ping: [payload: Buffer];
  pong: [payload: Buffer];
  drain: [];
  close: [event: CloseEvent];
}
