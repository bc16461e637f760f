import { ProtocolError } from './protocol-error';

/** What the parser makes of the bytes a peer sent: one complete message, a control frame, or a failure. */
export type InboundEvent =
  | { kind: 'text'; text: string }
  | { kind: 'binary'; data: Buffer }
  /** RFC 7692: a message whose first frame had RSV1; the transport inflates it (and validates text then). */
  | { kind: 'compressed'; isText: boolean; data: Buffer }
  | { kind: 'ping' | 'pong'; payload: Buffer }
  /** code is CloseCode.NoStatus (1005) when the close frame had an empty payload (§7.1.5). */
  | { kind: 'close'; code: number; reason: string }
  | { kind: 'failed'; error: ProtocolError };
