import { CloseCode } from './close-code';

/** Why the protocol core failed a connection (RFC 6455 §7.1.7 "Fail the WebSocket Connection"). */
export type ProtocolErrorCode =
  | 'UNMASKED_FRAME'
  | 'MASKED_FRAME'
  | 'RESERVED_BITS'
  | 'UNKNOWN_OPCODE'
  | 'CONTROL_FRAME_INVALID'
  | 'UNEXPECTED_CONTINUATION'
  | 'EXPECTED_CONTINUATION'
  | 'LENGTH_TOO_LARGE'
  | 'NON_MINIMAL_LENGTH'
  | 'MESSAGE_TOO_BIG'
  | 'TOO_MANY_FRAGMENTS'
  | 'INVALID_UTF8'
  | 'INVALID_COMPRESSED_DATA'
  | 'INVALID_CLOSE_PAYLOAD'
  | 'INVALID_CLOSE_CODE';

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';

  constructor(
    readonly closeCode: CloseCode,
    readonly code: ProtocolErrorCode,
    message: string,
  ) {
    super(message);
  }
}
