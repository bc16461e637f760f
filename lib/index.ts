// The public API of nest-rfc6455, and nothing else.
export { WebSocketModule } from './gateway/websocket.module';
export { Gateway } from './gateway/decorators/gateway.decorator';
export { OnMessage } from './gateway/decorators/on-message.decorator';
export { ConnectedSocket } from './gateway/decorators/connected-socket.decorator';
export { MessageBody } from './gateway/decorators/message-body.decorator';
export type { ConnectionLimits, GatewayOptions, WebSocketModuleOptions } from './gateway/interfaces/websocket-options.interface';
export { Connection, ReadyState } from './transport/connection';
export type { CloseEvent, ConnectionEvents } from './transport/connection';
export { CloseCode } from './protocol/close-code';
