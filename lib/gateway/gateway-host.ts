import { Logger } from '@nestjs/common';
import { EventCodec } from '../codec/event-codec.interface';
import { GatewayInstruments } from '../observability/gateway-instruments';
import { CloseCode } from '../protocol/close-code';
import { selectSubprotocol, WebSocketOffer } from '../protocol/handshake';
import { HandshakeRefusal } from '../protocol/handshake-refusal';
import { ConnectionRegistry } from '../rooms/connection-registry.service';
import { handshakeInfoOf } from '../session/handshake-info';
import { SessionHooks } from '../session/session-hooks.interface';
import type { RoomsNode } from '../rooms/rooms-node';
import { WsConnection } from '../session/ws-connection';
import { CloseEvent } from '../transport/connection';
import { FallbackRoute } from '../transport/fallback/fallback-listener';
import { MessageLink } from '../transport/message-link';
import { HandshakeRequest, UpgradeRoute } from '../transport/upgrade-listener';
import { AuthMessageDeps, awaitAuthMessage } from './auth-message';
import { boundedBy } from './bounded-by';
import { ErrorLog } from './error-log';
import { GatewayDispatcher } from './gateway.dispatcher';
import { GatewayDefinition } from './gateway.explorer';
import { runHandshakeGuards } from './handshake-guards';
import { HandshakeGuard } from './interfaces/handshake-guard.interface';
import { OnGatewayConnection, OnGatewayDisconnect } from './interfaces/lifecycle-hooks.interface';
import { authStartFailed, badMessage, connectHookUnfinished, handshakeGuardFailed, hookFailed, hookUnfinished, originRefusedOnce, rateLimited, scopedInstanceFailed } from './messages';
import { RateLimiter } from './rate-limiter';
import { checkOrigin, fallbackStreamOrigin } from './origin-policy';
import { ResolvedGatewayOptions } from './websocket.defaults';

/** The gateway instance serving one connection (the singleton, or one per connection when scoped) and its dispatcher. */
export interface GatewayBinding {
  instance: object;
  dispatcher: GatewayDispatcher;
}

export interface GatewayHostDeps {
  registry: ConnectionRegistry;
  rooms: Pick<RoomsNode, 'leaveAll' | 'forwardPosted'>;
  /** The gateway's codec (its own, or the module's). */
  codec: EventCodec;
  logger: Logger;
  /** Where the per-connection error lines go (hooks, handshake guards): a client may reconnect in a loop. */
  errorLog: ErrorLog;
  instruments: GatewayInstruments;
  /** Set when a plug-in covers this gateway's connections (history: sessions and resume). */
  sessionHooks?: SessionHooks;
}

/** The binding a connection was started with; undefined when binding failed (nothing to release then). */
type Started = GatewayBinding | undefined;

/** What the host keeps per open connection, for its close. */
interface Session {
  client: WsConnection;
  /** Settles once handleConnection has finished (or failed). */
  started: Started | Promise<Started>;
  /** Known as soon as the gateway instance is, before handleConnection finishes. */
  binding?: GatewayBinding;
}

/**
 * One gateway at run time: its route (origin check, handshake guards), its connections'
 * lifecycle (registry, rooms, hooks) and its dispatcher.
 */
export class GatewayHost {
  /** What handshake guards attached, from the upgrade request to the connection. */
  private readonly dataByRequest = new WeakMap<HandshakeRequest, Record<string, unknown>>();
  /** Open connections by transport: one close hook for the route finds its connection here. */
  private readonly sessions = new Map<MessageLink, Session>();
  /** The cleanup of each closed connection, and the step it is at (named when a shutdown stops waiting for it). */
  private readonly cleanups = new Map<Promise<void>, { step: string }>();
  private readonly name: string;
  /** The first origin refusal is logged with the option to set; the rest only count (a foreign page may retry in a loop). */
  private hasLoggedOriginRefusal = false;
  /** Set when the gateway has `authMessage`. */
  private readonly authMessage: AuthMessageDeps | undefined;

  constructor(
    definition: GatewayDefinition,
    private readonly options: ResolvedGatewayOptions,
    private readonly bind: (client: WsConnection) => GatewayBinding | Promise<GatewayBinding>,
    private readonly guards: readonly HandshakeGuard[],
    private readonly deps: GatewayHostDeps,
  ) {
    this.name = definition.metatype.name;
    const timeoutMs = options.authMessageTimeoutMs;
    const onStartFailed = (error: unknown): void => deps.errorLog.error(authStartFailed(this.name), error);
    this.authMessage = timeoutMs === undefined ? undefined : { guards, codec: deps.codec, timeoutMs, onGuardFailed: this.guardFailed, onStartFailed };
  }

  route(): UpgradeRoute {
    const { options, authMessage } = this;
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
      // Nothing to check when any origin may connect and no guard runs on the request: the listener then skips the hook.
      verify: options.allowedOrigins !== '*' || this.guardsOnUpgrade ? (request, upgrade) => this.verify(request, upgrade) : undefined,
      onConnection: authMessage
        ? (connection, request) => awaitAuthMessage(connection, request, authMessage, (...accepted) => this.onConnection(...accepted))
        : (connection, request) => this.onConnection(connection, request),
      onClose: (connection, event) => this.onClose(connection, event),
    };
  }

  /**
   * The HTTP fallback's route (docs/fallback.md): the stream's request is judged as an upgrade is
   * (origin, handshake guards), and its session goes through the same lifecycle as a Connection.
   */
  fallbackRoute(): FallbackRoute {
    const { options, authMessage } = this;
    return {
      path: options.path,
      maxMessageBytes: options.maxMessageBytes,
      maxMessagesPerPost: options.fallback.maxMessagesPerPost,
      outbound: { maxBufferedBytes: options.maxBufferedBytes, onBufferOverflow: options.onBufferOverflow },
      counters: this.deps.instruments.stats,
      heartbeatIntervalMs: options.heartbeatIntervalMs,
      idleTimeoutMs: options.idleTimeoutMs,
      verify: (request) => this.verify(request, { origin: fallbackStreamOrigin(request.headers), host: request.headers.host ?? '', offeredProtocols: [] }),
      onConnection: authMessage
        ? (session, request) => awaitAuthMessage(session, request, authMessage, (...accepted) => this.onConnection(...accepted))
        : (session, request) => this.onConnection(session, request),
      onClose: (session, event) => this.onClose(session, event),
      forward: (sessionId, token, messages) => this.deps.rooms.forwardPosted(sessionId, { path: options.path, token, messages }),
      forwardClose: (sessionId, token) => this.deps.rooms.forwardPosted(sessionId, { path: options.path, token, messages: [], closes: true }),
    };
  }

  /** Resolves when every disconnect hook started so far has finished. */
  async settled(): Promise<void> {
    await Promise.all(this.cleanups.keys());
  }

  /** Logs, once per step, the cleanups still running `waitedMs` into a shutdown (a hook that never settles). */
  logUnfinished(waitedMs: number): void {
    for (const step of new Set([...this.cleanups.values()].map((cleanup) => cleanup.step))) {
      this.deps.logger.error(hookUnfinished(this.name, step, waitedMs));
    }
  }

  private verify(request: HandshakeRequest, upgrade: Pick<WebSocketOffer, 'origin' | 'host' | 'offeredProtocols'>): HandshakeRefusal | undefined | Promise<HandshakeRefusal | undefined> {
    const refusal = checkOrigin(this.options.allowedOrigins, upgrade.origin, upgrade.host);
    if (refusal) this.logOriginRefusal(upgrade.origin ?? '');
    if (refusal || !this.guardsOnUpgrade) return refusal;
    const data: Record<string, unknown> = {};
    this.dataByRequest.set(request, data);
    const protocol = selectSubprotocol(upgrade.offeredProtocols, this.options.subprotocols);
    return runHandshakeGuards(this.guards, { request, handshake: handshakeInfoOf(request, protocol), data }, this.guardFailed);
  }

  private readonly guardFailed = (guard: string, error: unknown): void => this.deps.errorLog.error(handshakeGuardFailed(this.name, guard), error);

  /** With `authMessage` the guards run on the first message (auth-message.ts), not on the upgrade request. */
  private get guardsOnUpgrade(): boolean {
    return this.guards.length > 0 && !this.authMessage;
  }

  private logOriginRefusal(origin: string): void {
    if (this.hasLoggedOriginRefusal) return;
    this.hasLoggedOriginRefusal = true;
    this.deps.logger.warn(originRefusedOnce(this.name, this.options.path, origin));
  }

  /** Reading starts when this returns, or when the promise resolves (a scoped gateway, handleConnection, history). */
  private onConnection(
    transport: MessageLink,
    request: HandshakeRequest,
    handshake = handshakeInfoOf(request, transport.protocol),
    data = this.dataByRequest.get(request) ?? {},
  ): void | Promise<void> {
    const client = new WsConnection(transport, handshake, this.name, this.deps.codec, data);
    const listening = this.deps.registry.add(client);
    this.deps.sessionHooks?.opened(client);
    this.deps.instruments.stats.connectionOpened();
    this.deps.instruments.tracing?.connectionOpened(client.id, this.name, this.options.path, client.remoteAddress);
    // The route's close hook finds the connection here, even while the gateway is still starting.
    const session: Session = { client, started: undefined };
    this.sessions.set(transport, session);
    let binding: GatewayBinding | Promise<GatewayBinding>;
    try {
      binding = this.bind(client);
    } catch (error) {
      binding = Promise.reject(error);
    }
    const started =
      binding instanceof Promise
        ? binding.then((bound) => this.start(client, (session.binding = bound)), (error: unknown) => this.startFailed(client, error))
        : this.start(client, (session.binding = binding));
    session.started = started;
    // Reading waits for the gateway to start, and for this node to hear server-wide sends (the first connection of its gateway here).
    if (listening || started instanceof Promise) return Promise.all([listening, started]).then(() => undefined);
  }

  /** Listens for messages and runs handleConnection; synchronous unless there is something to wait for. */
  private start(client: WsConnection, binding: GatewayBinding): Started | Promise<Started> {
    const { instance, dispatcher } = binding;
    const { sessionHooks } = this.deps;
    const limiter = RateLimiter.for(this.options.rateLimit);
    let isFirstMessage = true;
    client.link.on('message', (message, receivedAtMs) => {
      if (isFirstMessage && sessionHooks) {
        isFirstMessage = false;
        if (this.isTakenByHooks(client, sessionHooks, dispatcher, message)) return;
      }
      if (!limiter || limiter.admit(message)) dispatcher.dispatch(client, message, receivedAtMs);
      else this.rateLimited(client, dispatcher, message);
    });
    const gateway = instance as Partial<OnGatewayConnection>;
    if (typeof gateway.handleConnection !== 'function' && !sessionHooks) return binding;
    return this.connected(client, gateway, sessionHooks).then(() => binding);
  }

  private async connected(client: WsConnection, gateway: Partial<OnGatewayConnection>, sessionHooks: SessionHooks | undefined): Promise<void> {
    try {
      if (typeof gateway.handleConnection === 'function') await gateway.handleConnection(client, client.handshake);
      await sessionHooks?.ready(client);
    } catch (error) {
      this.logHookError('handleConnection', error);
      client.close(CloseCode.InternalError);
    }
  }

  /** The connection's own gateway instance could not be resolved (a scoped provider threw): handleConnection never ran. */
  private startFailed(client: WsConnection, error: unknown): Started {
    this.deps.errorLog.error(scopedInstanceFailed(this.name), error);
    client.close(CloseCode.InternalError);
    return undefined;
  }

  /**
   * Cleanup waits for handleConnection (at most closeTimeoutMs), so what it joined or tagged is
   * undone too; the disconnect hook runs before the rooms are left, so it can still tell them who left.
   */
  private onClose(transport: MessageLink, event: CloseEvent): void {
    const session = this.sessions.get(transport);
    if (!session) return;
    this.sessions.delete(transport);
    const { client } = session;
    this.deps.registry.remove(client);
    this.deps.instruments.stats.connectionClosed(event.code);
    this.deps.instruments.tracing?.connectionClosed(client.id, event.code);
    this.deps.logger.debug(`${this.name} connection ${client.id} closed with ${event.code}${event.wasClean ? '' : ' (not clean)'}`);
    const cleanup = { step: 'handleConnection' };
    const settled = this.startedOrGivenUp(session)
      .then(async (binding) => {
        if (!binding) return; // a failed binding was logged when the connection opened
        binding.dispatcher.release(client);
        const gateway = binding.instance as Partial<OnGatewayDisconnect>;
        cleanup.step = 'handleDisconnect';
        if (typeof gateway.handleDisconnect === 'function') await this.runDisconnectHook(gateway as OnGatewayDisconnect, client, event);
      })
      .catch(() => undefined)
      .then(() => {
        cleanup.step = 'leaveAll';
        return this.deps.sessionHooks?.closed(client.id); // before leaveAll: the session keeps its rooms
      })
      .then(() => this.deps.rooms.leaveAll(client.id))
      .catch((error: unknown) => this.logHookError('leaveAll', error))
      .finally(() => this.deps.registry.remove(client)); // again: tags a late handleConnection added
    this.cleanups.set(settled, cleanup);
    void settled.finally(() => this.cleanups.delete(settled));
  }

  /**
   * handleConnection's end, but no later than closeTimeoutMs after the close: one that never
   * settles must not keep the connection's rooms, tags and memory forever (logged by name).
   */
  private async startedOrGivenUp(session: Session): Promise<Started> {
    if (!(session.started instanceof Promise) || (await boundedBy(session.started, this.options.closeTimeoutMs))) return session.started;
    this.deps.errorLog.error(connectHookUnfinished(this.name, this.options.closeTimeoutMs));
    return session.binding;
  }

  /** A connection's first message goes to the session plug-in first (history: `$resume`): true when it took it. */
  private isTakenByHooks(client: WsConnection, sessionHooks: SessionHooks, dispatcher: GatewayDispatcher, message: string | Buffer): boolean {
    const decoded = dispatcher.decode(client, message);
    if (decoded === undefined) return true; // the codec threw: answered INTERNAL
    if (!decoded.ok) return false;
    const { event, id } = decoded.envelope;
    const outcome = sessionHooks.firstEnvelope(client, decoded.envelope);
    if (outcome.kind === 'passed') return false;
    if (outcome.kind === 'malformed') {
      dispatcher.sendError(client, { event, code: 'BAD_MESSAGE', message: badMessage(outcome.reason) }, id);
      return true;
    }
    outcome.done.catch((error: unknown) => {
      this.logHookError(event, error);
      client.close(CloseCode.InternalError);
    });
    return true;
  }

  /** Over the rate limit: the message is dropped and answered, or the connection closed (1008). */
  private rateLimited(client: WsConnection, dispatcher: GatewayDispatcher, message: string | Buffer): void {
    this.deps.instruments.stats.rateLimitExceeded();
    if (this.options.rateLimit?.onExceeded === 'close') return client.close(CloseCode.PolicyViolation, 'rate limit exceeded');
    // Decoded only to echo its id, so the client knows which request was dropped (DESIGN.md).
    const decoded = dispatcher.decode(client, message);
    if (decoded === undefined) return; // the codec threw: answered INTERNAL
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
    this.deps.errorLog.error(hookFailed(this.name, hook), error);
  }
}
