import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap, Optional } from '@nestjs/common';
import { ContextIdFactory, ExternalContextCreator, HttpAdapterHost, ModuleRef } from '@nestjs/core';
import { EventCodec } from '../codec/event-codec.interface';
import { GatewayInstruments } from '../observability/gateway-instruments';
import { LibraryLogger } from '../observability/library-logger';
import { WS_TRACING, WsTracing } from '../observability/tracing/ws-tracing';
import { WebSocketStats } from '../observability/websocket-stats';
import { ConnectionRegistry } from '../rooms/connection-registry.service';
import { RoomsNode } from '../rooms/rooms-node';
import { SessionHooks } from '../session/session-hooks.interface';
import { WsConnection } from '../session/ws-connection';
import { FallbackListener } from '../transport/fallback/fallback-listener';
import { normalizePath } from '../transport/path-router';
import { UpgradeListener, WebServer } from '../transport/upgrade-listener';
import { boundedBy } from './bounded-by';
import { checkedCodec, codecName } from './checked-codec';
import { GatewayMetadataAccessor } from './gateway-metadata.accessor';
import { GatewayBinding, GatewayHost } from './gateway-host';
import { ErrorLog } from './error-log';
import { GatewayDispatcher } from './gateway.dispatcher';
import { GatewayDefinition, GatewayExplorer } from './gateway.explorer';
import { HandlerPipelineFactory } from './handler-pipeline';
import { InFlight } from './in-flight';
import { resolveHandshakeGuards } from './handshake-guards';
import { OnGatewayInit } from './interfaces/lifecycle-hooks.interface';
import { WebSocketModuleOptions } from './interfaces/websocket-options.interface';
import { duplicatePath, fallbackOnOwnPort, hookFailed, noHttpServer, ownCodecNotShared } from './messages';
import { WEBSOCKET_MODULE_OPTIONS } from './websocket.constants';
import { DEFAULTS, resolveGatewayOptions } from './websocket.defaults';

/** Where a gateway is served: the application's HTTP server, or a port of its own. */
type Host = 'app' | number;

/**
 * Binds every gateway's path at bootstrap; on shutdown closes every connection with 1001,
 * waits for the close handshakes and the disconnect hooks, then lets the application close.
 */
@Injectable()
export class GatewayRuntime implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger: Logger;
  /** Error lines of handlers, enhancers, codecs and hooks: a client can make them fail on every message. */
  private readonly errorLog: ErrorLog;
  private readonly listeners = new Map<Host, UpgradeListener>();
  /** The HTTP fallback on the application's server, made by the first gateway that enables it. */
  private fallback: FallbackListener | undefined;
  private readonly hosts: GatewayHost[] = [];
  /** Handler runs of every gateway, so shutdown lets their replies out before the 1001. */
  private readonly inFlight = new InFlight();

  constructor(
    private readonly explorer: GatewayExplorer,
    private readonly accessor: GatewayMetadataAccessor,
    private readonly contextCreator: ExternalContextCreator,
    private readonly httpAdapterHost: HttpAdapterHost,
    private readonly moduleRef: ModuleRef,
    private readonly registry: ConnectionRegistry,
    private readonly node: RoomsNode,
    @Inject(EventCodec) private readonly codec: EventCodec,
    @Inject(WEBSOCKET_MODULE_OPTIONS) private readonly options: WebSocketModuleOptions,
    private readonly stats: WebSocketStats,
    @Inject(WS_TRACING) private readonly tracing: WsTracing | null,
    @Optional() @Inject(SessionHooks) private readonly sessionHooks: SessionHooks | null = null,
  ) {
    this.logger = new LibraryLogger('WebSocket', options.logLevels);
    this.errorLog = new ErrorLog(this.logger);
  }

  async onApplicationBootstrap(): Promise<void> {
    const definitions = this.explorer.explore();
    assertDistinctPaths(definitions);
    await this.node.start();
    const pipeline = new HandlerPipelineFactory(this.contextCreator);
    for (const definition of definitions) {
      const options = resolveGatewayOptions(this.options, definition.options);
      const guards = await resolveHandshakeGuards(this.moduleRef, this.accessor.handshakeGuards(definition.metatype));
      const codec = this.codecOf(definition);
      const instruments: GatewayInstruments = { stats: this.stats.forGateway(definition.metatype.name, options.path), tracing: this.tracing ?? undefined };
      const host = new GatewayHost(definition, options, this.binder(definition, pipeline, codec, instruments), guards, {
        registry: this.registry,
        rooms: this.node,
        codec,
        logger: this.logger,
        errorLog: this.errorLog,
        instruments,
        sessionHooks: this.sessionHooks?.coversPath(options.path) ? this.sessionHooks : undefined,
      });
      this.hosts.push(host);
      this.listenerFor(options.port ?? 'app', definition).addRoute(host.route());
      if (options.fallback.sse) this.fallbackListener(definition).addRoute(host.fallbackRoute());
      this.logger.log(`${definition.metatype.name} on ${options.port === undefined ? '' : `port ${options.port} `}${options.path}`);
    }
    for (const [host, listener] of this.listeners) {
      if (host !== 'app') await listener.listen(host);
    }
    this.stats.setServing(true);
    for (const definition of definitions) await this.afterInit(definition);
  }

  /**
   * The module's EventCodec (checked once, in the module), or the gateway's own. Rooms, the
   * registry and history encode once for every connection, with the module's codec: a gateway's
   * own codec reaches its replies and error envelopes only, which is said at startup.
   */
  private codecOf(definition: GatewayDefinition): EventCodec {
    const own = definition.options.codec;
    if (own === undefined || own === this.options.codec) return this.codec;
    this.logger.warn(ownCodecNotShared(definition.metatype.name, codecName(own), codecName(this.codec)));
    return checkedCodec(own);
  }

  /**
   * A static gateway has one instance and one dispatcher. A scoped one (it injects a
   * Scope.REQUEST provider) gets an instance per connection: the connection is its request.
   */
  private binder(
    definition: GatewayDefinition,
    pipeline: HandlerPipelineFactory,
    codec: EventCodec,
    instruments: GatewayInstruments,
  ): (client: WsConnection) => GatewayBinding | Promise<GatewayBinding> {
    if (definition.isStatic) {
      const binding = { instance: definition.instance, dispatcher: new GatewayDispatcher(definition, definition.instance, pipeline, codec, this.errorLog, this.inFlight, instruments) };
      return () => binding;
    }
    return async (client) => {
      const contextId = ContextIdFactory.create();
      this.moduleRef.registerRequestByContextId(client, contextId);
      const instance: object = await this.moduleRef.resolve(definition.metatype, contextId, { strict: false });
      return { instance, dispatcher: new GatewayDispatcher(definition, instance, pipeline, codec, this.errorLog, this.inFlight, instruments, contextId) };
    };
  }

  /**
   * Graceful shutdown: refuse new upgrades (503), let handlers that are running send their
   * replies (bounded by the close timeout), then close everyone with 1001 and wait.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.stats.setServing(false);
    for (const listener of this.listeners.values()) listener.stopAccepting();
    this.fallback?.stopAccepting();
    const closeTimeoutMs = this.options.closeTimeoutMs ?? DEFAULTS.closeTimeoutMs;
    await boundedBy(this.inFlight.whenIdle(), closeTimeoutMs);
    await Promise.all([...[...this.listeners.values()].map((listener) => listener.close()), this.fallback?.close()]);
    // A hook that never settles must not hold the application open forever: named, then left behind.
    if (!(await boundedBy(Promise.all(this.hosts.map((host) => host.settled())), closeTimeoutMs))) {
      for (const host of this.hosts) host.logUnfinished(closeTimeoutMs);
    }
    await this.node.close();
    this.flushErrorLog(); // before the application is gone
  }

  /** Writes the summaries of the error lines repeated so far (ErrorLog) and starts a new window. */
  flushErrorLog(): void {
    this.errorLog.flush();
  }

  /** Scoped gateways have no singleton to initialise; their instances start per connection. */
  private async afterInit(definition: GatewayDefinition): Promise<void> {
    if (!definition.isStatic) return;
    const gateway = definition.instance as Partial<OnGatewayInit>;
    if (typeof gateway.afterInit !== 'function') return;
    try {
      await gateway.afterInit();
    } catch (error) {
      this.errorLog.error(hookFailed(definition.metatype.name, 'afterInit'), error);
    }
  }

  private listenerFor(host: Host, definition: GatewayDefinition): UpgradeListener {
    const existing = this.listeners.get(host);
    if (existing) return existing;
    const listener = new UpgradeListener({
      handshakeTimeoutMs: this.options.handshakeTimeoutMs ?? DEFAULTS.handshakeTimeoutMs,
      maxConnections: this.options.maxConnections,
      maxConnectionsPerAddress: this.options.maxConnectionsPerAddress,
      onUnexpectedError: (error) => this.errorLog.error('unexpected error', error),
      onRefusal: (refusal, url) => {
        this.stats.handshakeRefused(refusal.status);
        // The path only: a query string may carry a token.
        this.logger.debug(`refused ${(url ?? 'an unreadable request').split('?')[0]} with ${refusal.status}: ${refusal.body}`);
      },
    });
    if (host === 'app') listener.attach(this.appServer(definition));
    this.listeners.set(host, listener);
    return listener;
  }

  private fallbackListener(definition: GatewayDefinition): FallbackListener {
    if (definition.options.port !== undefined) throw new Error(fallbackOnOwnPort(definition.metatype.name));
    if (this.fallback) return this.fallback;
    const fallback = new FallbackListener({
      // Counted apart from WebSockets: each kind is capped at the module's numbers.
      maxSessions: this.options.maxConnections,
      maxSessionsPerAddress: this.options.maxConnectionsPerAddress,
      onUnexpectedError: (error) => this.errorLog.error('unexpected error', error),
      onRefusal: (refusal, request) => {
        this.stats.handshakeRefused(refusal.status);
        this.logger.debug(`refused the fallback stream ${(request.url ?? '').split('?')[0]} with ${refusal.status}: ${refusal.body}`);
      },
    });
    fallback.attach(this.appServer(definition));
    this.fallback = fallback;
    return fallback;
  }

  private appServer(definition: GatewayDefinition): WebServer {
    const server = this.httpAdapterHost.httpAdapter?.getHttpServer() as WebServer | undefined;
    if (!server) throw new Error(noHttpServer(definition.metatype.name));
    return server;
  }
}

/** Two gateways on one path (on one server) is a startup error, named clearly. */
function assertDistinctPaths(definitions: readonly GatewayDefinition[]): void {
  const byKey = new Map<string, string[]>();
  for (const { options, metatype } of definitions) {
    const key = `${options.port ?? 'app'} ${normalizePath(options.path)}`;
    byKey.set(key, [...(byKey.get(key) ?? []), metatype.name]);
  }
  for (const [key, gateways] of byKey) {
    if (gateways.length > 1) throw new Error(duplicatePath(key.split(' ')[1], gateways));
  }
}
