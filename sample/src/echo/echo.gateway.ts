import { Gateway, GatewayOptions, MessageBody, OnMessage } from '../../../lib';

/** The largest message /echo takes: conformance suites send 16 MiB (DESIGN.md, sample endpoints). */
export const ECHO_MAX_MESSAGE_BYTES = 16 << 20;

/** /echo's options; the own-port conformance run serves the same gateway on a port of its own. */
export const ECHO_GATEWAY_OPTIONS = {
  path: '/echo',
  subprotocols: ['chat', 'superchat'],
  maxMessageBytes: ECHO_MAX_MESSAGE_BYTES,
  perMessageDeflate: true,
  allowedOrigins: '*',
} as const satisfies GatewayOptions;

/**
 * `ws /echo`: every message back, text as text and binary as binary, byte for byte; permessage-deflate when offered.
 * Any origin (DESIGN.md sample contract): conformance and interop clients load their pages from other ports.
 */
@Gateway(ECHO_GATEWAY_OPTIONS)
export class EchoGateway {
  @OnMessage()
  echo(@MessageBody() message: string | Buffer): string | Buffer {
    return message;
  }
}
