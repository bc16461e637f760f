import { Logger } from '@nestjs/common';
import { IncomingMessage } from 'node:http';
import { EventCodec } from '../codec/event-codec.interface';
import { RESUME_EVENT, ResumeRequest, RoomHistory } from '../history/room-history.service';
import { GatewayInstruments } from '../observability/gateway-instruments';
import { CloseCode } from '../protocol/close-code';
import { selectSubprotocol, ValidUpgrade } from '../protocol/handshake';
import { HandshakeRefusal } from '../protocol/handshake-refusal';
import { ConnectionRegistry } from '../rooms/connection-registry.service';
import { handshakeInfoOf } from '../rooms/handshake-info';
import { RoomsAdapter } from '../rooms/rooms-adapter.interface';
import { WsConnection } from '../rooms/ws-connection';
import { CloseEvent, Connection } from '../transport/connection';
import { UpgradeRoute } from '../transport/upgrade-listener';
import { GatewayDispatcher } from './gateway.dispatcher';
import { GatewayDefinition } from './gateway.explorer';
import { runHandshakeGuards } from './handshake-guards';
import { HandshakeGuard } from './interfaces/handshake-guard.interface';
import { OnGatewayConnection, OnGatewayDisconnect } from './interfaces/lifecycle-hooks.interface';
import { hookFailed, rateLimited } from './messages';
import { RateLimiter } from './rate-limiter';
import { checkOrigin } from './origin-policy';
import { ResolvedGatewayOptions } from './websocket.defaults';

/** The gateway instance serving one connection (the singleton, or one per connection when scoped) and its dispatcher. */
export interface GatewayBinding {
  instance: object;
  dispatcher: GatewayDispatcher;
}

export interface GatewayHostDeps {
  registry: ConnectionRegistry;
  adapter: RoomsAdapter;
  codec: EventCodec;
  logger: Logger;
  instruments: GatewayInstruments;
  /** Set when the module has `history`: sessions and resume. */
  history?: RoomHistory;
}

/**
 * One gateway at run time: its route (origin check, handshake guards), its connections'
 * lifecycle (registry, rooms, hooks) and its dispatcher.
 */
export class GatewayHost {
  /** What handshake guards attached, from the upgrade request to the connection. */
  private readonly dataByRequest = new WeakMap<IncomingMessage, Record<string, unknown>>();
  private readonly disconnectHooks = new Set<Promise<void>>();
  private readonly name: string;

  constructor(
    definition: GatewayDefinition,
    private readonly options: ResolvedGatewayOptions,
    private readonly bind: (client: WsConnection) => GatewayBinding | Promise<GatewayBinding>,
    private readonly guards: readonly HandshakeGuard[],
    private readonly deps: GatewayHostDeps,
  ) {
    this.name = definition.metatype.name;
  }

  route(): UpgradeRoute {
    const { options } = this;
    return {
      path: options.path,
      subprotocols: options.subprotocols,
      connection: {
        maxMessageBytes: options.maxMessageBytes,
        maxFragmentsPerMessage: options.maxFragmentsPerMessage,
        closeTimeoutMs: options.closeTimeoutMs,
        maxBufferedBytes: options.maxBufferedBytes,
        onBufferOverflow: options.onBufferOverflow,
        counters: this.deps.instruments.stats,
      },
      heartbeat: { intervalMs: options.heartbeatIntervalMs, maxMissedPongs: options.maxMissedPongs, idleTimeoutMs: options.idleTimeoutMs },
      perMessageDeflate: options.perMessageDeflate,
      verify: (request, upgrade) => this.verify(request, upgrade),
      onConnection: (connection, request) => this.onConnection(connection, request),
    };
  }

  /** Resolves when every disconnect hook started so far has finished. */
  async settled(): Promise<void> {
    await Promise.all(this.disconnectHooks);
  }

  private verify(request: IncomingMessage, upgrade: ValidUpgrade): HandshakeRefusal | undefined | Promise<HandshakeRefusal | undefined> {
    const refusal = checkOrigin(this.options.allowedOrigins, upgrade.origin);
    if (refusal || this.guards.length === 0) return refusal;
    const data: Record<string, unknown> = {};
    this.dataByRequest.set(request, data);
    const protocol = selectSubprotocol(upgrade.offeredProtocols, this.options.subprotocols);
    return runHandshakeGuards(this.guards, { request, handshake: handshakeInfoOf(request, protocol), data });
  }

  private onConnection(transport: Connection, request: IncomingMessage): Promise<void> {
    const client = new WsConnection(
      transport,
      handshakeInfoOf(request, transport.protocol),
      this.name,
      this.options.codec ?? this.deps.codec,
      this.dataByRequest.get(request) ?? {},
    );
    this.deps.registry.add(client);
    this.deps.history?.opened(client);
    this.deps.instruments.stats.connectionOpened();
    this.deps.instruments.tracing?.connectionOpened(client.id, this.name, this.options.path, client.remoteAddress);
    const binding = Promise.resolve().then(() => this.bind(client));
    const ready = this.start(client, binding);
    // Listen for the close at once: the peer may vanish while the gateway is still starting.
    transport.once('close', (event) => this.onClose(client, binding, ready, event));
    return ready;
  }

  /** Binds the dispatcher and runs handleConnection; reading starts when this resolves. */
  private async start(client: WsConnection, binding: Promise<GatewayBinding>): Promise<void> {
    try {
      const { instance, dispatcher } = await binding;
      const limiter = RateLimiter.for(this.options.rateLimit);
      let isFirstMessage = true;
      client.transport.on('message', (message) => {
        if (isFirstMessage && this.deps.history) {
          isFirstMessage = false;
          if (this.tryResume(client, this.deps.history, message)) return;
        }
        if (!limiter || limiter.admit(message)) dispatcher.dispatch(client, message);
        else this.rateLimited(client, dispatcher, message);
      });
      const gateway = instance as Partial<OnGatewayConnection>;
      if (typeof gateway.handleConnection === 'function') await gateway.handleConnection(client, client.handshake);
      await this.deps.history?.announce(client);
    } catch (error) {
      this.logHookError('handleConnection', error);
      client.close(CloseCode.InternalError);
    }
  }

  /**
   * Cleanup waits for handleConnection, so what it joined or tagged is undone too; the
   * disconnect hook runs before the rooms are left, so it can still tell them who left.
   */
  private onClose(client: WsConnection, binding: Promise<GatewayBinding>, ready: Promise<void>, event: CloseEvent): void {
    this.deps.registry.remove(client);
    this.deps.instruments.stats.connectionClosed(event.code);
    this.deps.instruments.tracing?.connectionClosed(client.id, event.code);
    this.deps.logger.debug(`${this.name} connection ${client.id} closed with ${event.code}${event.wasClean ? '' : ' (not clean)'}`);
    const settled = ready
      .then(() => binding)
      .then(async ({ instance, dispatcher }) => {
        dispatcher.release(client);
        const gateway = instance as Partial<OnGatewayDisconnect>;
        if (typeof gateway.handleDisconnect === 'function') await this.runDisconnectHook(gateway as OnGatewayDisconnect, client, event);
      })
      .catch(() => undefined) // a failed binding was logged when the connection opened
      .then(() => this.deps.history?.closed(client.id)) // before leaveAll: the session keeps its rooms
      .then(() => this.deps.adapter.leaveAll(client.id))
      .catch((error: unknown) => this.logHookError('leaveAll', error))
      .finally(() => this.deps.registry.remove(client)); // again: tags a late handleConnection added
    this.disconnectHooks.add(settled);
    void settled.finally(() => this.disconnectHooks.delete(settled));
  }

  /** A connection's first message may be `$resume` (README, "History and resumable sessions"): true when it was. */
  private tryResume(client: WsConnection, history: RoomHistory, message: string | Buffer): boolean {
    const decoded = (this.options.codec ?? this.deps.codec).decode(message);
    if (!decoded.ok || decoded.envelope.event !== RESUME_EVENT) return false;
    const { data, id } = decoded.envelope;
    history.resume(client, (data ?? {}) as ResumeRequest, id).catch((error: unknown) => {
      this.logHookError('resume', error);
      client.close(CloseCode.InternalError);
    });
    return true;
  }

  /** Over the rate limit: the message is dropped and answered, or the connection closed (1008). */
  private rateLimited(client: WsConnection, dispatcher: GatewayDispatcher, message: string | Buffer): void {
    this.deps.instruments.stats.rateLimitExceeded();
    if (this.options.rateLimit?.onExceeded === 'close') return client.close(CloseCode.PolicyViolation, 'rate limit exceeded');
    // Decoded only to echo its id, so the client knows which request was dropped (DESIGN.md).
    const decoded = (this.options.codec ?? this.deps.codec).decode(message);
    dispatcher.sendError(client, { code: 'RATE_LIMITED', message: rateLimited() }, decoded.ok ? decoded.envelope.id : undefined);
  }

  private async runDisconnectHook(gateway: OnGatewayDisconnect, client: WsConnection, event: CloseEvent): Promise<void> {
    try {
      await gateway.handleDisconnect(client, event);
    } catch (error) {
      this.logHookError('handleDisconnect', error);
    }
  }

  private logHookError(hook: string, error: unknown): void {
    this.deps.logger.error(hookFailed(this.name, hook), error instanceof Error ? error.stack : String(error));
  }
}
