import { Type } from '@nestjs/common';
import { nestDecoratorOnGateway } from '../messages';

// The metadata keys of @nestjs/websockets 12.1.1 (constants.js), read only to name its decorators
// left on one of our gateways; @nestjs/websockets itself is not needed (a devDependency).
const NEST_SERVER_PROPERTY = 'websockets:is_socket';
const NEST_MESSAGE_MAPPING = 'websockets:message_mapping';

/**
 * @WebSocketServer() and @SubscribeMessage() of @nestjs/websockets do nothing on our gateways: a
 * gateway moved without replacing them would fail in silence (a server that stays undefined, events
 * answered UNKNOWN_EVENT). Throws, naming the member and its replacement, when the gateway (or a
 * class it extends) has one.
 */
export function assertNoNestGatewayDecorators(metatype: Type): void {
  for (let prototype: object | null = metatype.prototype as object; prototype !== null && prototype !== Object.prototype; prototype = Object.getPrototypeOf(prototype) as object | null) {
    for (const key of Reflect.ownKeys(prototype)) {
      if (Reflect.getMetadata(NEST_SERVER_PROPERTY, prototype, key) === true) throw new Error(nestDecoratorOnGateway(metatype.name, String(key), '@WebSocketServer()'));
      const member = Object.getOwnPropertyDescriptor(prototype, key)?.value as unknown;
      if (typeof member === 'function' && Reflect.getMetadata(NEST_MESSAGE_MAPPING, member) === true) {
        throw new Error(nestDecoratorOnGateway(metatype.name, String(key), '@SubscribeMessage()'));
      }
    }
  }
}
