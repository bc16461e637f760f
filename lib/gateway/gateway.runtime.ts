import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ExternalContextCreator, HttpAdapterHost } from '@nestjs/core';
import { UpgradeListener, UpgradeRoute, WebServer } from '../transport/upgrade-listener';
import { GatewayDispatcher } from './gateway.dispatcher';
import { GatewayDefinition, GatewayExplorer } from './gateway.explorer';
import { WebSocketModuleOptions } from './interfaces/websocket-options.interface';
import { noHttpServer } from './messages';
import { checkOrigin } from './origin-policy';
import { DEFAULTS, ResolvedGatewayOptions, resolveGatewayOptions } from './websocket.defaults';
import { WEBSOCKET_MODULE_OPTIONS } from './websocket.module-definition';

/** Where a gateway is served: the application's HTTP server, or a port of its own. */
type Host = 'app' | number;

/**
 * Binds every gateway's path at bootstrap and closes every connection with 1001 on shutdown,
 * waiting for the close handshakes before the application finishes closing.
 */
@Injectable()
export class GatewayRuntime implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('WebSocket');
  private readonly listeners = new Map<Host, UpgradeListener>();

  constructor(
    private readonly explorer: GatewayExplorer,
    private readonly contextCreator: ExternalContextCreator,
    private readonly httpAdapterHost: HttpAdapterHost,
    @Inject(WEBSOCKET_MODULE_OPTIONS) private readonly options: WebSocketModuleOptions,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    for (const definition of this.explorer.explore()) {
      const resolved = resolveGatewayOptions(this.options, definition.options);
      const host: Host = resolved.port ?? 'app';
      const listener = this.listenerFor(host, definition);
      listener.addRoute(this.routeFor(definition, resolved));
      this.logger.log(`${definition.metatype.name} on ${host === 'app' ? '' : `port ${host} `}${resolved.path}`);
    }
    for (const [host, listener] of this.listeners) {
      if (host !== 'app') await listener.listen(host);
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all([...this.listeners.values()].map((listener) => listener.close()));
  }

  private listenerFor(host: Host, definition: GatewayDefinition): UpgradeListener {
    const existing = this.listeners.get(host);
    if (existing) return existing;
    const listener = new UpgradeListener({
      handshakeTimeoutMs: this.options.handshakeTimeoutMs ?? DEFAULTS.handshakeTimeoutMs,
      maxConnections: this.options.maxConnections,
      onUnexpectedError: (error) => this.logger.error('unexpected error', error instanceof Error ? error.stack : String(error)),
    });
    if (host === 'app') listener.attach(this.appServer(definition));
    this.listeners.set(host, listener);
    return listener;
  }

  private appServer(definition: GatewayDefinition): WebServer {
    const server = this.httpAdapterHost.httpAdapter?.getHttpServer() as WebServer | undefined;
    if (!server) throw new Error(noHttpServer(definition.metatype.name));
    return server;
  }

  private routeFor(definition: GatewayDefinition, options: ResolvedGatewayOptions): UpgradeRoute {
    const dispatcher = new GatewayDispatcher(definition, this.contextCreator, this.logger);
    return {
      path: options.path,
      subprotocols: options.subprotocols,
      connection: {
        maxMessageBytes: options.maxMessageBytes,
        closeTimeoutMs: options.closeTimeoutMs,
        maxBufferedBytes: options.maxBufferedBytes,
        onBufferOverflow: options.onBufferOverflow,
      },
      heartbeat: { intervalMs: options.heartbeatIntervalMs, maxMissedPongs: options.maxMissedPongs },
      verify: (_request, upgrade) => checkOrigin(options.allowedOrigins, upgrade.origin),
      onConnection: (connection) => dispatcher.attach(connection),
    };
  }
}
