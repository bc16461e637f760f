import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { MemoryAdapter } from '../adapters/memory/memory.adapter';
import { EventCodec } from '../codec/event-codec.interface';
import { JsonEventCodec } from '../codec/json-event.codec';
import { ConnectionRegistry } from '../rooms/connection-registry.service';
import { LocalConnections } from '../rooms/local-connections';
import { RoomsAdapter } from '../rooms/rooms-adapter.interface';
import { Rooms } from '../rooms/rooms.service';
import { GatewayMetadataAccessor } from './gateway-metadata.accessor';
import { GatewayExplorer } from './gateway.explorer';
import { GatewayRuntime } from './gateway.runtime';
import { WebSocketModuleOptions } from './interfaces/websocket-options.interface';
import { ConfigurableModuleClass, WEBSOCKET_MODULE_OPTIONS } from './websocket.module-definition';

/**
 * Serves every @Gateway provider of the application and provides `Rooms` and
 * `ConnectionRegistry` to every module (global unless `isGlobal: false`).
 *
 * @example
 * ＠Module({ imports: [WebSocketModule.forRoot({ maxMessageBytes: 64 * 1024 })], providers: [ChatGateway] })
 * export class AppModule {}
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    GatewayMetadataAccessor,
    GatewayExplorer,
    GatewayRuntime,
    LocalConnections,
    {
      provide: RoomsAdapter,
      useFactory: (options: WebSocketModuleOptions) => options.adapter ?? new MemoryAdapter(),
      inject: [WEBSOCKET_MODULE_OPTIONS],
    },
    {
      provide: EventCodec,
      useFactory: (options: WebSocketModuleOptions) => options.codec ?? new JsonEventCodec(),
      inject: [WEBSOCKET_MODULE_OPTIONS],
    },
    Rooms,
    ConnectionRegistry,
  ],
  exports: [Rooms, ConnectionRegistry, RoomsAdapter, EventCodec],
})
export class WebSocketModule extends ConfigurableModuleClass {}
