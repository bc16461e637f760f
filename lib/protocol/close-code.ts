// RFC 6455 §7.4.1 status codes, and the IANA registry entries we use.
export enum CloseCode {
  Normal = 1000,
  GoingAway = 1001,
  ProtocolError = 1002,
  UnsupportedData = 1003,
  /** §7.4.1: reserved; means "the close frame had no status code". Never sent. */
  NoStatus = 1005,
  /** §7.4.1: reserved; means "closed without a close frame". Never sent. */
  Abnormal = 1006,
  InvalidPayload = 1007,
  PolicyViolation = 1008,
  MessageTooBig = 1009,
  MandatoryExtension = 1010,
  InternalError = 1011,
  ServiceRestart = 1012,
  TryAgainLater = 1013,
  BadGateway = 1014,
  /** §7.4.1: reserved for a failed TLS handshake. Never sent. */
  TlsHandshake = 1015,
}

/**
 * §7.4.1-7.4.2: may this code appear in a close frame on the wire?
 * 1000-1003 and 1007-1014 are defined; 3000-4999 belong to libraries and applications.
 * 0-999, 1004-1006, 1015, 1016-2999 and 5000+ fail the connection with 1002.
 */
export const isValidWireCloseCode = (code: number): boolean =>
  (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
