import { EventEmitter } from 'node:events';
import { CloseEvent, ConnectionEvents, ReadyState } from './connection-events';

/** How a client reaches the server: a WebSocket (RFC 6455), or the HTTP fallback (SSE down, POST up; docs/fallback.md). */
export type TransportKind = 'websocket' | 'sse';

/**
 * What the session layer needs from a client's transport, whichever it is: a WebSocket Connection
 * or a fallback SseSession. Messages, drain and close arrive as the Connection's events.
 */
export interface MessageLink extends Pick<EventEmitter<ConnectionEvents>, 'on' | 'once' | 'off'> {
  readonly id: string;
  readonly kind: TransportKind;
  /** The negotiated subprotocol (WebSocket only). */
  readonly protocol?: string;
  readonly readyState: ReadyState;
  /** Bytes sent and not yet handed to the kernel. */
  readonly bufferedAmount: number;
  /** False until the gateway has started the connection: messages wait until then. */
  readonly hasStartedReading: boolean;
  /** Resolves once, when the link has closed. */
  readonly closed: Promise<CloseEvent>;
  send(message: string | Buffer): boolean;
  /** A message already framed as one unmasked, uncompressed server frame (broadcasts encode once). */
  sendFrame(frame: Buffer): boolean;
  close(code?: number, reason?: string): void;
  terminate(): void;
}
