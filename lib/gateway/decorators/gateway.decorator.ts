import { applyDecorators, Injectable, SetMetadata } from '@nestjs/common';
import { withCorsOrigins } from '../compat/cors-origins';
import { GatewayOptions } from '../interfaces/websocket-options.interface';
import { GATEWAY_METADATA } from '../websocket.constants';

/**
 * Marks a provider as a WebSocket gateway served on `options.path`.
 *
 * @example
 * ＠Gateway({ path: '/chat', subprotocols: ['chat.v1'] })
 * export class ChatGateway {}
 */
export const Gateway = (options: GatewayOptions): ClassDecorator =>
  applyDecorators(Injectable(), SetMetadata(GATEWAY_METADATA, withCorsOrigins(options)));
