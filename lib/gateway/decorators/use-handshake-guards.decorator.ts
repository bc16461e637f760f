import { SetMetadata, Type } from '@nestjs/common';
import { HandshakeGuard } from '../interfaces/handshake-guard.interface';
import { HANDSHAKE_GUARDS_METADATA } from '../websocket.constants';

/**
 * Guards that run on the upgrade request of this gateway, in order, before the 101.
 * Classes are resolved from the module's providers (or created with their dependencies).
 */
export const UseHandshakeGuards = (...guards: (Type<HandshakeGuard> | HandshakeGuard)[]): ClassDecorator =>
  SetMetadata(HANDSHAKE_GUARDS_METADATA, guards);
