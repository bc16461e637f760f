import { Injectable, Type } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { OnMessageMetadata } from './decorators/on-message.decorator';
import { GatewayOptions } from './interfaces/websocket-options.interface';
import { GATEWAY_METADATA, ON_MESSAGE_METADATA } from './websocket.constants';

/** The only reader of our decorator metadata. */
@Injectable()
export class GatewayMetadataAccessor {
  constructor(private readonly reflector: Reflector) {}

  gatewayOptions(metatype: Type): GatewayOptions | undefined {
    return this.reflector.get<GatewayOptions | undefined>(GATEWAY_METADATA, metatype);
  }

  onMessage(handler: (...args: never[]) => unknown): OnMessageMetadata | undefined {
    return this.reflector.get<OnMessageMetadata | undefined>(ON_MESSAGE_METADATA, handler);
  }
}
