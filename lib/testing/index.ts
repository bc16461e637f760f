// nest-rfc6455/testing: helpers for your own e2e tests of gateways (Node only), on node:http and
// the library's own protocol core, so neither `ws` nor undici is needed at run time.
export { connectToGateway, expectRefusal, TEST_CLIENT_DEFAULTS } from './connect-to-gateway';
export type { ConnectToGatewayOptions, HandshakeRefusal } from './connect-to-gateway';
export { GatewayTestClient } from './gateway-test-client';
export type { CloseInfo } from './gateway-test-client';
export { closeAllTestClients } from './open-test-clients';
export { HandshakeRefusedError } from './handshake-refused.error';
export type { DataMatcher, DeepPartial } from './data-matcher';
export type { GatewayHost } from './gateway-address';
export type { TlsOptions } from './open-handshake';
// The errors request() rejects with are the client's, so one `instanceof` works in both.
export { ConnectionClosedError, RequestError, RequestTimeoutError } from '../client/client-errors';
