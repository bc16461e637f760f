import { Injectable, Type } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { assertNoNestGatewayDecorators } from './compat/nest-gateway-decorators';
import { GatewayMetadataAccessor } from './gateway-metadata.accessor';
import { GatewayOptions } from './interfaces/websocket-options.interface';
import { duplicateHandler } from './messages';

export interface HandlerDefinition {
  /** undefined: the gateway's handler of raw messages. */
  event: string | undefined;
  methodName: string;
}

export interface GatewayDefinition {
  /** The singleton; for a scoped gateway only its prototype (a real instance is resolved per connection). */
  instance: object;
  metatype: Type;
  /** False when the gateway (or something it injects) is request-scoped: one instance per connection. */
  isStatic: boolean;
  options: GatewayOptions;
  handlers: HandlerDefinition[];
}

/** Finds every @Gateway provider and its @OnMessage handlers, once, at bootstrap. */
@Injectable()
export class GatewayExplorer {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly accessor: GatewayMetadataAccessor,
  ) {}

  explore(): GatewayDefinition[] {
    const definitions: GatewayDefinition[] = [];
    for (const wrapper of this.discovery.getProviders()) {
      const { instance, metatype } = wrapper;
      if (!instance || !metatype || typeof metatype !== 'function') continue;
      const options = this.accessor.gatewayOptions(metatype as Type);
      if (!options) continue;
      assertNoNestGatewayDecorators(metatype as Type);
      definitions.push({
        instance,
        metatype: metatype as Type,
        options,
        isStatic: wrapper.isDependencyTreeStatic(),
        handlers: this.handlersOf(instance, metatype as Type),
      });
    }
    return definitions;
  }

  private handlersOf(instance: object, metatype: Type): HandlerDefinition[] {
    const handlers: HandlerDefinition[] = [];
    const prototype = Object.getPrototypeOf(instance) as Record<string, (...args: never[]) => unknown>;
    for (const methodName of this.scanner.getAllMethodNames(prototype)) {
      const metadata = this.accessor.onMessage(prototype[methodName]);
      if (!metadata) continue;
      if (handlers.some((handler) => handler.event === metadata.event)) {
        throw new Error(duplicateHandler(metatype.name, metadata.event));
      }
      handlers.push({ event: metadata.event, methodName });
    }
    return handlers;
  }
}
