import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { GatewayMetadataAccessor } from './gateway-metadata.accessor';
import { GatewayExplorer } from './gateway.explorer';
import { GatewayRuntime } from './gateway.runtime';
import { ConfigurableModuleClass } from './websocket.module-definition';

/**
 * Serves every @Gateway provider of the application.
 *
 * @example
 * ＠Module({ imports: [WebSocketModule.forRoot({ maxMessageBytes: 64 * 1024 })], providers: [ChatGateway] })
 * export class AppModule {}
 */
@Module({
  imports: [DiscoveryModule],
  providers: [GatewayMetadataAccessor, GatewayExplorer, GatewayRuntime],
})
export class WebSocketModule extends ConfigurableModuleClass {}
