import { Injectable, Type } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { OnMessageMetadata } from './decorators/on-message.decorator';
import { GatewayOptions } from './interfaces/websocket-options.interface';
import { HandshakeGuard } from './interfaces/handshake-guard.interface';
import { GATEWAY_METADATA, HANDSHAKE_GUARDS_METADATA, ON_MESSAGE_METADATA } from './websocket.constants';

/** The only reader of our decorator metadata. */
@Injectable()
export class GatewayMetadataAccessor {
  constructor(private readonly reflector: Reflector) {}

  gatewayOptions(metatype: Type): GatewayOptions | undefined {
    return this.reflector.get<GatewayOptions | undefined>(GATEWAY_METADATA, metatype);
  }

  handshakeGuards(metatype: Type): (Type<HandshakeGuard> | HandshakeGuard)[] {
    return this.reflector.get<(Type<HandshakeGuard> | HandshakeGuard)[] | undefined>(HANDSHAKE_GUARDS_METADATA, metatype) ?? [];
  }

  onMessage(handler: (...args: never[]) => unknown): OnMessageMetadata | undefined {
    return this.reflector.get<OnMessageMetadata | undefined>(ON_MESSAGE_METADATA, handler);
  }
}
