import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { MemoryAdapter } from './adapters/memory/memory.adapter';
import { AsyncApiGenerator } from './asyncapi/asyncapi.generator';
import { EventCodec } from './codec/event-codec.interface';
import { JsonEventCodec } from './codec/json-event.codec';
import { createRoomHistory } from './history/create-room-history';
import { RoomHistory } from './history/room-history.service';
import { ConnectionRegistry } from './rooms/connection-registry.service';
import { LocalConnections } from './session/local-connections';
import { SessionHooks } from './session/session-hooks.interface';
import { RoomsAdapter } from './rooms/rooms-adapter.interface';
import { RoomsNode } from './rooms/rooms-node';
import { Rooms } from './rooms/rooms.service';
import { WebSocketHealthIndicator } from './observability/health/websocket.health-indicator';
import { WebSocketStats } from './observability/websocket-stats';
import { WS_TRACING, WsTracing } from './observability/tracing/ws-tracing';
import { checkedCodec } from './gateway/checked-codec';
import { GatewayMetadataAccessor } from './gateway/gateway-metadata.accessor';
import { GatewayExplorer } from './gateway/gateway.explorer';
import { GatewayRuntime } from './gateway/gateway.runtime';
import { WebSocketModuleOptions } from './gateway/interfaces/websocket-options.interface';
import { WEBSOCKET_MODULE_OPTIONS } from './gateway/websocket.constants';
import { ConfigurableModuleClass } from './websocket.module-definition';

/**
 * Serves every @Gateway provider of the application and provides `Rooms`,
 * `ConnectionRegistry` and `WebSocketStats` to every module (global unless `isGlobal: false`).
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
      provide: WS_TRACING,
      useFactory: (options: WebSocketModuleOptions): Promise<WsTracing> | null => (options.tracing ? WsTracing.load() : null),
      inject: [WEBSOCKET_MODULE_OPTIONS],
    },
    {
      provide: RoomsAdapter,
      useFactory: (options: WebSocketModuleOptions): RoomsAdapter => options.adapter ?? new MemoryAdapter(),
      inject: [WEBSOCKET_MODULE_OPTIONS],
    },
    {
      provide: RoomsNode,
      useFactory: (adapter: RoomsAdapter, local: LocalConnections, codec: EventCodec, tracing: WsTracing | null): RoomsNode => {
        const node = new RoomsNode(adapter, local, codec);
        return tracing ? tracing.traceFanOut(node) : node;
      },
      inject: [RoomsAdapter, LocalConnections, EventCodec, WS_TRACING],
    },
    {
      provide: EventCodec,
      // Checked here, so broadcasts, registry.send() and history encode with what gateways use.
      useFactory: (options: WebSocketModuleOptions) => checkedCodec(options.codec ?? new JsonEventCodec()),
      inject: [WEBSOCKET_MODULE_OPTIONS],
    },
    {
      provide: RoomHistory,
      useFactory: (options: WebSocketModuleOptions, adapter: RoomsAdapter, node: RoomsNode, codec: EventCodec, local: LocalConnections): RoomHistory | null =>
        options.history ? createRoomHistory(options.history, adapter, node, codec, local) : null,
      inject: [WEBSOCKET_MODULE_OPTIONS, RoomsAdapter, RoomsNode, EventCodec, LocalConnections],
    },
    // History is the one session plug-in: without it (null), no hook runs.
    { provide: SessionHooks, useExisting: RoomHistory },
    Rooms,
    ConnectionRegistry,
    WebSocketStats,
    WebSocketHealthIndicator,
    AsyncApiGenerator,
  ],
  exports: [Rooms, ConnectionRegistry, RoomsAdapter, EventCodec, WebSocketStats, WebSocketHealthIndicator, AsyncApiGenerator],
})
export class WebSocketModule extends ConfigurableModuleClass {}
