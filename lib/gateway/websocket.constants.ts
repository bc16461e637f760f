/** The options of `WebSocketModule.forRoot()` (the string Nest's module builder made of the name WebSocket). */
export const WEBSOCKET_MODULE_OPTIONS = 'WEB_SOCKET_MODULE_OPTIONS';
/** Options of a class decorated with @Gateway. */
export const GATEWAY_METADATA = 'rfc6455:gateway';
/** `{ event?: string }` of a method decorated with @OnMessage. */
export const ON_MESSAGE_METADATA = 'rfc6455:on-message';
/**
 * Parameter decorators share Nest's route-arguments key, so `createParamDecorator()`
 * decorators written by users work on gateway handlers too (a Nest internal: nest-internals.ts).
 */
export { PARAM_ARGS_METADATA } from './nest-internals';

/**
 * What a gateway parameter decorator asks for. The numbers are Nest's RouteParamtypes:
 * Body is BODY (3), so pipes see `type: 'body'` and ValidationPipe validates it; the
 * others map to 'custom', which validation skips, as for controllers.
 */
export enum WsParamtype {
  Connection = 0,
  Body = 3,
  Handshake = 10,
  RequestId = 13,
}

/** Handshake guards of a gateway class. */
export const HANDSHAKE_GUARDS_METADATA = 'rfc6455:handshake-guards';
