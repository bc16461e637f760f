/** Options of a class decorated with @Gateway. */
export const GATEWAY_METADATA = 'rfc6455:gateway';
/** `{ event?: string }` of a method decorated with @OnMessage. */
export const ON_MESSAGE_METADATA = 'rfc6455:on-message';
/**
 * Parameter decorators share Nest's route-arguments key, so `createParamDecorator()`
 * decorators written by users work on gateway handlers too.
 */
export const PARAM_ARGS_METADATA = '__routeArguments__';

/** What a gateway parameter decorator asks for. */
export enum WsParamtype {
  Connection = 0,
  Body = 1,
  Handshake = 2,
  RequestId = 3,
}
