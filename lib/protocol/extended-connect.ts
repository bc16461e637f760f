import { headerNames, headerValues, readOffer, refusalOfVersion, WebSocketOffer } from './handshake';
import { HandshakeRefusal } from './handshake-refusal';

/** The header fields validateExtendedConnect reads: RFC 8441 §4's pseudo-headers and RFC 6455's own. */
const EXTENDED_CONNECT_HEADERS = headerNames([':method', ':protocol', ':authority', 'sec-websocket-version', 'sec-websocket-protocol', 'sec-websocket-extensions', 'origin']);

/** Does an HTTP/2 request ask for a WebSocket (RFC 8441 §4: CONNECT with `:protocol`)? Any other stream is not ours. */
export function isWebSocketConnect(headers: Readonly<Record<string, unknown>>): boolean {
  const protocol = headers[':protocol'];
  return headers[':method'] === 'CONNECT' && typeof protocol === 'string' && protocol.toLowerCase() === 'websocket';
}

/**
 * RFC 8441 §5: is this extended CONNECT a valid opening handshake? There is no Sec-WebSocket-Key
 * and no Upgrade or Connection header over HTTP/2; the version, subprotocols, extensions and Origin
 * are read as in RFC 6455 §4.2.1. `rawHeaders` is Node's [name, value, …], pseudo-headers included.
 */
export function validateExtendedConnect(rawHeaders: readonly string[]): WebSocketOffer | HandshakeRefusal {
  const headers = headerValues(rawHeaders, EXTENDED_CONNECT_HEADERS);
  if (headers.get(':method')?.[0] !== 'CONNECT') return new HandshakeRefusal(400, 'WebSocket over HTTP/2 must use CONNECT');
  if (headers.get(':protocol')?.[0].toLowerCase() !== 'websocket') return new HandshakeRefusal(400, ':protocol must be "websocket"');
  // RFC 8441 §4: :authority as for any request (RFC 9113 §8.3.1): what a same-origin page's Origin names.
  const authorities = headers.get(':authority');
  if (authorities?.length !== 1 || authorities[0] === '') return new HandshakeRefusal(400, 'exactly one :authority is required');
  return refusalOfVersion(headers) ?? readOffer(headers, authorities[0]);
}
