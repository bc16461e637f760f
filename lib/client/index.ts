// nest-rfc6455/client: the browser and Node client of the envelope wire contract. Nothing here
// may import Node modules: the same files are compiled to ES modules for browsers.
export { createClient, WsClient } from './ws-client';
export type { ClientUrl } from './ws-client';
export { CLIENT_DEFAULTS } from './client-options';
export type { AuthData, ClientAuth, ClientOptions, FallbackClientOptions, QueueOptions, ReconnectContext, ReconnectOptions } from './client-options';
export type { FetchLike, FetchResponseLike } from './fetch-like';
export type { TransportKind } from './transport-switch';
export type { ClientState } from './client-state';
export type { ConnectionEvents } from './connection-events';
export { AuthRefusedError, ClientError, ConnectionClosedError, QueueFullError, RequestError, RequestTimeoutError, UnexpectedMessageError } from './client-errors';
export type { ClientEnvelope, ClientRequestId, ErrorBody, ResumeReply, RoomPosition, RoomRecovery } from './envelope';
export type { DataArgs, DataOf, EventMap, EventName, EventSender, InboundData, InboundEventName, InboundListener, RequestArgs, RequestOptions } from './event-map';
export type { OverflowPolicy } from './outbox';
export type { RequestHandler, ServerRequest } from './request-handlers';
export { backoffDelayMs } from './backoff';
export type { BackoffOptions } from './backoff';
export type { WebSocketConstructor, WebSocketLike } from './web-socket-like';
