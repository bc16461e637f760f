import { IncomingMessage } from 'node:http';
import { AddressInfo, Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { CloseCode } from '../protocol/close-code';
import { selectSubprotocol, upgradesToWebSocket, validateUpgrade, WebSocketOffer } from '../protocol/handshake';
import { HandshakeRefusal } from '../protocol/handshake-refusal';
import { negotiatePerMessageDeflate, PerMessageDeflateOptions } from '../protocol/extensions/permessage-deflate';
import { CloseEvent, Connection, ConnectionOptions } from './connection';
import { attachExtendedConnect, isHttp2Server } from './h2/extended-connect';
import { HandshakeChannel, HandshakeRequest } from './handshake-channel';
import { Heartbeat, HeartbeatOptions } from './heartbeat';
import { OwnPortServer } from './own-port-server';
import { PathRouter } from './path-router';
import { PlainRequestReplay } from './plain-request-replay';
import { claimUpgrades } from './upgrade-claim';
import { interceptHandshakeRequests } from './request-interceptor';
import { WebServer } from './web-server';
import { UpgradeChannel } from './upgrade-channel';
import { writeRefusal } from './write-refusal';

export type { WebServer } from './web-server';
export type { HandshakeRequest } from './handshake-channel';

/** What one path serves. */
export interface UpgradeRoute {
  path: string;
  /** Subprotocols the route speaks; the first one the client offers is chosen. */
  subprotocols: readonly string[];
  connection: Omit<ConnectionOptions, 'deflate' | 'onUnexpectedError' | 'onClose' | 'abortSocket'>;
  /** Accept permessage-deflate (RFC 7692) when offered, on these terms; undefined declines it. */
  perMessageDeflate?: PerMessageDeflateOptions;
  heartbeat: HeartbeatOptions;
  /** Runs after the request is valid and before the 101: a refusal (origin, auth) or nothing. */
  verify?(request: HandshakeRequest, offer: WebSocketOffer): HandshakeRefusal | undefined | Promise<HandshakeRefusal | undefined>;
  /** A new open connection. Attach listeners here; reading starts when this returns (or resolves). */
  onConnection(connection: Connection, request: HandshakeRequest): void | Promise<void>;
  /** One of the route's connections closed: called before its 'close' listeners, by one function for all of them. */
  onClose?(connection: Connection, event: CloseEvent): void;
}

export interface UpgradeListenerOptions {
  /** From the 'upgrade' event to the 101, including `verify`. */
  handshakeTimeoutMs: number;
  /** Open connections across all routes before new ones get 503; undefined for no cap. */
  maxConnections?: number;
  /** Open connections from one remote address before new ones from it get 503; undefined for no cap. */
  maxConnectionsPerAddress?: number;
  /** Errors we did not expect (a throwing hook or listener); the peer sees 500 or 1011. */
  onUnexpectedError(error: unknown): void;
  /** Told about every refusal this listener writes, before it is written (for metrics and logs); `url` is undefined for a head that could not be read. */
  onRefusal?(refusal: HandshakeRefusal, url: string | undefined): void;
}

interface BoundRoute {
  route: UpgradeRoute;
  heartbeat: Heartbeat;
  /** Built once per route and shared by its connections (a copy only when deflate adds its terms). */
  connectionOptions: ConnectionOptions;
  /** The same for HTTP/2 streams (they abort with RST_STREAM), made by the first one. */
  streamConnectionOptions?: ConnectionOptions;
}

/**
 * Hooks the 'upgrade' event of http(s) servers (and of an HTTP/2 server's HTTP/1.1 side), and the
 * 'stream' event of HTTP/2 servers (RFC 8441, h2/extended-connect.ts), and turns valid requests on
 * known paths into Connections, which no other listener sees. Upgrades that are not ours (another path,
 * another protocol such as h2c) are left to the server's other 'upgrade' listeners; with none, a
 * WebSocket path gets 404 and any other upgrade is served as the plain request Node would have seen
 * without us (DESIGN.md).
 */
export class UpgradeListener {
  private readonly router = new PathRouter<BoundRoute>();
  private readonly open = new Set<Connection>();
  /** Only with maxConnectionsPerAddress: each open connection's remote address, and the count per address. */
  private readonly addressOf = new Map<Connection, string>();
  private readonly openByAddress = new Map<string, number>();
  /** What to undo on close: the 'upgrade' listener, the request interceptor and the HTTP/2 entry, per server. */
  private readonly attached = new Map<WebServer, () => void>();
  private readonly ownServers: OwnPortServer[] = [];
  private readonly plainRequests = new PlainRequestReplay();
  private isClosing = false;

  private readonly reportUnexpected = (error: unknown): void => this.options.onUnexpectedError(error);

  constructor(private readonly options: UpgradeListenerOptions) {}

  get connections(): ReadonlySet<Connection> {
    return this.open;
  }

  get paths(): string[] {
    return this.router.paths;
  }

  /** Is a WebSocket served on the path of this request target (its query ignored)? */
  serves(url: string | undefined): boolean {
    return this.router.match(url) !== undefined;
  }

  /** Binds a route; a second route on the same path throws. */
  addRoute(route: UpgradeRoute): void {
    const heartbeat = new Heartbeat(route.heartbeat);
    const onClose = (connection: Connection, event: CloseEvent): void => {
      this.untrack(connection);
      heartbeat.delete(connection);
      route.onClose?.(connection, event);
    };
    const connectionOptions: ConnectionOptions = { ...route.connection, onUnexpectedError: this.reportUnexpected, onClose };
    this.router.add(route.path, { route, heartbeat, connectionOptions });
  }

  attach(server: WebServer): void {
    if (this.attached.has(server)) return;
    this.boundHeaderPhase(server);
    const listener = (request: IncomingMessage, socket: Duplex, head: Buffer): void => this.handleUpgrade(server, request, socket, head);
    // Ours never reach the other listeners (see upgrade-claim.ts); the rest reach ours too, which leaves them to the others.
    const release = claimUpgrades(server, (request) => upgradesToWebSocket(request) && this.router.match(request.url) !== undefined, listener);
    server.on('upgrade', listener);
    const restoreRequests = interceptHandshakeRequests(server, (request, response) => {
      this.plainRequests.noteResponse(request, response);
      return this.refusalForPlainRequest(request);
    });
    const detachStreams = isHttp2Server(server) ? attachExtendedConnect(server, this) : undefined;
    this.attached.set(server, () => {
      release();
      server.off('upgrade', listener);
      restoreRequests();
      detachStreams?.();
    });
  }

  /**
   * Slow-loris before the upgrade event: the request headers are Node's to read, so the bound is
   * Node's headersTimeout (408), lowered to the handshake timeout, never raised. Node checks it
   * every connectionsCheckingInterval (30 s by default, read at listen), so check every second.
   */
  private boundHeaderPhase(server: WebServer): void {
    // An HTTP/2 server has these only with allowHTTP1, for its HTTP/1.1 side.
    if (!('headersTimeout' in server)) return;
    const { handshakeTimeoutMs } = this.options;
    if (server.headersTimeout === 0 || server.headersTimeout > handshakeTimeoutMs) server.headersTimeout = handshakeTimeoutMs;
    const tracked = server as WebServer & { connectionsCheckingInterval?: number };
    if (!server.listening && (tracked.connectionsCheckingInterval ?? 30_000) > 1_000) tracked.connectionsCheckingInterval = Math.min(1_000, handshakeTimeoutMs);
  }

  /**
   * A server of our own on `port` (own-port-server.ts: no node:http): upgrades on other paths get 404,
   * plain HTTP requests 426, malformed heads 400, heads past 16 KiB 431, heads slower than the handshake timeout 408.
   */
  async listen(port: number, host?: string): Promise<AddressInfo> {
    const server = new OwnPortServer({
      handshakeTimeoutMs: this.options.handshakeTimeoutMs,
      onRequest: (request, socket, head) => this.handleOwnPortRequest(request, socket, head),
      onRefusal: (refusal) => this.options.onRefusal?.(refusal, undefined),
      onError: this.reportUnexpected,
    });
    this.ownServers.push(server);
    return server.listen(port, host);
  }

  /** New upgrades get 503 from now on; open connections are untouched. */
  stopAccepting(): void {
    this.isClosing = true;
  }

  /**
   * Closes every connection with `code` (1001 by default), waits for the close handshakes
   * (each bounded by its close timeout), then detaches from the servers and closes our own.
   */
  async close(code: number = CloseCode.GoingAway, reason = 'server shutting down'): Promise<void> {
    this.isClosing = true;
    const closing = [...this.open].map((connection) => {
      connection.close(code, reason);
      return connection.closed;
    });
    await Promise.all(closing);
    for (const detach of this.attached.values()) detach();
    this.attached.clear();
    for (const { heartbeat } of this.router.targets()) heartbeat.stop();
    await Promise.all(this.ownServers.map((server) => server.close()));
  }

  /** A plain request to one of our paths that carries WebSocket handshake headers is a broken handshake. */
  private refusalForPlainRequest(request: HandshakeRequest): HandshakeRefusal | undefined {
    const { headers } = request;
    const isHandshakeAttempt = headers['sec-websocket-key'] !== undefined || headers['sec-websocket-version'] !== undefined || upgradesToWebSocket(request);
    if (!isHandshakeAttempt || !this.router.match(request.url)) return undefined;
    const upgrade = validateUpgrade(request);
    const refusal = upgrade instanceof HandshakeRefusal ? upgrade : new HandshakeRefusal(400, 'WebSocket handshake must be an upgrade request');
    this.options.onRefusal?.(refusal, request.url);
    return refusal;
  }

  /** On our own port every request is ours to answer: an upgrade as on any server, a plain request as refusalForPlainRequest says, else 426. */
  private handleOwnPortRequest(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (upgradesToWebSocket(request)) return this.handleUpgrade(undefined, request, socket, head);
    const refusal = this.refusalForPlainRequest(request);
    if (refusal) return writeRefusalIgnoringErrors(socket, refusal);
    this.refuse(request, new UpgradeChannel(socket, head, ''), WEBSOCKET_ONLY);
  }

  /** `server` is undefined on our own port. */
  private handleUpgrade(server: WebServer | undefined, request: IncomingMessage, socket: Duplex, head: Buffer): void {
    try {
      const bound = this.router.match(request.url);
      if (!bound || !upgradesToWebSocket(request)) return this.leaveToOthers(server, request, socket, head);
      const upgrade = validateUpgrade(request);
      const key = upgrade instanceof HandshakeRefusal ? '' : upgrade.key;
      this.handshake(request, new UpgradeChannel(socket, head, key), upgrade, bound);
    } catch (error) {
      this.refuseUnexpected(request, new UpgradeChannel(socket, head, ''), error);
    }
  }

  /** An HTTP/2 extended CONNECT on one of our paths (h2/extended-connect.ts): from here on the steps of an upgrade. */
  handleExtendedConnect(request: HandshakeRequest, channel: HandshakeChannel, offer: WebSocketOffer | HandshakeRefusal): void {
    const bound = this.router.match(request.url);
    if (!bound) return this.refuse(request, channel, NO_ENDPOINT);
    this.handshake(request, channel, offer, bound);
  }

  /** Synchronous, unless the route's verify hook answers with a promise: then see acceptWhenVerified. */
  private handshake(request: HandshakeRequest, channel: HandshakeChannel, offer: WebSocketOffer | HandshakeRefusal, bound: BoundRoute): void {
    try {
      if (offer instanceof HandshakeRefusal) return this.refuse(request, channel, offer);
      const early = this.admissionRefusal(request);
      if (early) return this.refuse(request, channel, early);
      const verdict = bound.route.verify?.(request, offer);
      if (verdict instanceof Promise) return void this.acceptWhenVerified(verdict, request, channel, offer, bound);
      if (verdict) return this.refuse(request, channel, verdict);
      this.accept(request, channel, offer, bound);
    } catch (error) {
      this.refuseUnexpected(request, channel, error);
    }
  }

  /** Not ours: another 'upgrade' listener's when there is one (another library may own the path or protocol). */
  private leaveToOthers(server: WebServer | undefined, request: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (server !== undefined && server.listenerCount('upgrade') > 1) return this.dropIfUnanswered(socket);
    const channel = new UpgradeChannel(socket, head, '');
    if (server === undefined || upgradesToWebSocket(request)) return this.refuse(request, channel, NO_ENDPOINT);
    const refusal = this.plainRequests.replay(server, request, socket, head);
    if (refusal) this.refuse(request, channel, refusal);
  }

  /**
   * The other listeners may all pass on it (a `ws` noServer handler checks its path and returns), and
   * Node then leaves the socket open forever. One that nothing was written to within the handshake
   * timeout is dropped, as ours are; any upgrade protocol answers first (a 101 or a refusal).
   */
  private dropIfUnanswered(socket: Duplex): void {
    if (!(socket instanceof Socket)) return; // bytesWritten is a net.Socket's (a TLSSocket's counts only what was written in it)
    const dropUnanswered = (): void => {
      if (socket.bytesWritten === 0) socket.destroy();
    };
    setTimeout(dropUnanswered, this.options.handshakeTimeoutMs).unref();
  }

  /** An asynchronous verify hook (e.g. handshake guards): within the handshake timeout, then the world may have moved. */
  private async acceptWhenVerified(
    verdict: Promise<HandshakeRefusal | undefined>,
    request: HandshakeRequest,
    channel: HandshakeChannel,
    offer: WebSocketOffer,
    bound: BoundRoute,
  ): Promise<void> {
    const { duplex } = channel;
    duplex.on('error', ignoreHandshakeError);
    // Our own port hands a socket over still flowing: what the peer sends meanwhile waits in it (node:http leaves an upgraded socket so).
    if (duplex.readableFlowing === true) duplex.pause();
    try {
      const refusal = await this.withinHandshakeTimeout(duplex, verdict);
      if (refusal) return this.refuse(request, channel, refusal);
      // The peer may have left, the cap filled, or close() begun.
      if (duplex.destroyed || duplex.readableEnded) return void duplex.destroy();
      const late = this.admissionRefusal(request);
      if (late) return this.refuse(request, channel, late);
      duplex.off('error', ignoreHandshakeError);
      this.accept(request, channel, offer, bound);
    } catch (error) {
      this.refuseUnexpected(request, channel, error);
    }
  }

  /** 503 while closing, at the connection cap, or at the cap for one address (DESIGN.md). */
  private admissionRefusal(request: HandshakeRequest): HandshakeRefusal | undefined {
    if (this.isClosing) return new HandshakeRefusal(503, 'server is shutting down');
    const { maxConnections, maxConnectionsPerAddress } = this.options;
    if (maxConnections !== undefined && this.open.size >= maxConnections) return new HandshakeRefusal(503, 'connection limit reached');
    if (maxConnectionsPerAddress !== undefined && (this.openByAddress.get(request.socket.remoteAddress ?? '') ?? 0) >= maxConnectionsPerAddress) {
      return new HandshakeRefusal(503, 'connection limit reached for this address');
    }
    return undefined;
  }

  private track(connection: Connection, request: HandshakeRequest): void {
    this.open.add(connection);
    if (this.options.maxConnectionsPerAddress === undefined) return;
    const address = request.socket.remoteAddress ?? '';
    this.addressOf.set(connection, address);
    this.openByAddress.set(address, (this.openByAddress.get(address) ?? 0) + 1);
  }

  private untrack(connection: Connection): void {
    this.open.delete(connection);
    const address = this.addressOf.get(connection);
    if (address === undefined) return;
    this.addressOf.delete(connection);
    const count = (this.openByAddress.get(address) ?? 1) - 1;
    if (count === 0) this.openByAddress.delete(address);
    else this.openByAddress.set(address, count);
  }

  private accept(request: HandshakeRequest, channel: HandshakeChannel, offer: WebSocketOffer, bound: BoundRoute): void {
    const { route, heartbeat } = bound;
    const protocol = selectSubprotocol(offer.offeredProtocols, route.subprotocols);
    const deflate = route.perMessageDeflate && negotiatePerMessageDeflate(offer.extensionOffers, route.perMessageDeflate);
    channel.accept(protocol, deflate?.responseHeader);
    const { abortSocket, duplex, head } = channel;
    const base = abortSocket ? (bound.streamConnectionOptions ??= { ...bound.connectionOptions, abortSocket }) : bound.connectionOptions;
    const options = deflate ? { ...base, deflate: deflate.params } : base;
    const connection = new Connection(duplex, options, protocol);
    this.track(connection, request);
    heartbeat.add(connection);
    let ready: void | Promise<void>;
    try {
      ready = route.onConnection(connection, request);
    } catch (error) {
      return this.failToStart(connection, duplex, head, error);
    }
    if (!(ready instanceof Promise)) return startReading(connection, duplex, head);
    // Bytes that arrive while an async onConnection runs wait in the socket, in order.
    duplex.pause();
    ready.then(
      () => startReading(connection, duplex, head),
      (error: unknown) => this.failToStart(connection, duplex, head, error),
    );
  }

  /** onConnection threw or rejected: 1011, and reading starts so that the close handshake can finish. */
  private failToStart(connection: Connection, socket: Duplex, head: Buffer, error: unknown): void {
    this.options.onUnexpectedError(error);
    connection.close(CloseCode.InternalError);
    startReading(connection, socket, head);
  }

  /** The verify hook gets the handshake timeout; past it, the socket is dropped without an answer. */
  private async withinHandshakeTimeout<T>(socket: Duplex, work: Promise<T>): Promise<T | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => {
        socket.destroy();
        resolve(undefined);
      }, this.options.handshakeTimeoutMs);
    });
    try {
      return await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private refuseUnexpected(request: HandshakeRequest, channel: HandshakeChannel, error: unknown): void {
    this.options.onUnexpectedError(error);
    this.refuse(request, channel, new HandshakeRefusal(500, 'internal error'));
  }

  private refuse(request: HandshakeRequest, channel: HandshakeChannel, refusal: HandshakeRefusal): void {
    channel.duplex.on('error', ignoreHandshakeError);
    this.options.onRefusal?.(refusal, request.url);
    channel.refuse(refusal);
  }
}

const NO_ENDPOINT = new HandshakeRefusal(404, 'no WebSocket endpoint on this path');
const WEBSOCKET_ONLY = new HandshakeRefusal(426, 'This port speaks WebSocket only.', { Upgrade: 'websocket' });

function writeRefusalIgnoringErrors(socket: Duplex, refusal: HandshakeRefusal): void {
  socket.on('error', ignoreHandshakeError);
  writeRefusal(socket, refusal);
}

function startReading(connection: Connection, socket: Duplex, head: Buffer): void {
  connection.open(head);
  socket.resume();
}

// Before the 101 the socket is ours; a reset there is the peer leaving, not our fault. A handshake
// answered in the 'upgrade' event needs no listener: the Connection has its own before any error.
const ignoreHandshakeError = (): void => undefined;
