// Loopback servers with an UpgradeListener for the transport e2e specs. useTransportHarness()
// registers an afterEach that closes every server, listener and client a test opened.
import { once } from 'node:events';
import { createServer } from 'node:http';
import { AddressInfo, Socket } from 'node:net';
import WebSocket, { ClientOptions } from 'ws';
import { Connection, ConnectionOptions } from '../../lib/transport/connection';
import { HeartbeatOptions } from '../../lib/transport/heartbeat';
import { HandshakeRequest, UpgradeListener, UpgradeListenerOptions, UpgradeRoute, WebServer } from '../../lib/transport/upgrade-listener';
import { H2Session, openSession } from './h2-peer';
import { exchangeHttp, HttpAnswer, RawPeer, UpgradeRequestOptions } from './transport-peer';

/** Short timeouts so that timeout paths finish well inside Jest's 5 s. */
export const CONNECTION_DEFAULTS: ConnectionOptions = {
  maxMessageBytes: 1 << 20,
  closeTimeoutMs: 1_000,
  maxBufferedBytes: 8 << 20,
  onBufferOverflow: 'close',
};
export const NO_HEARTBEAT: HeartbeatOptions = { intervalMs: 0, maxMissedPongs: 2 };

export interface RouteSpec extends Partial<Omit<UpgradeRoute, 'connection' | 'heartbeat'>> {
  path: string;
  connection?: Partial<ConnectionOptions>;
  heartbeat?: Partial<HeartbeatOptions>;
}

export interface ServerSpec {
  routes: RouteSpec[];
  listener?: Partial<UpgradeListenerOptions>;
  /** Defaults to a plain http server with no request handler. */
  server?: WebServer;
}

export interface StartedServer {
  server: WebServer;
  listener: UpgradeListener;
  port: number;
  /** Errors the listener reported through onUnexpectedError. */
  unexpectedErrors: unknown[];
  /** The next connection accepted on any route (already taken ones are not returned twice). */
  nextConnection(): Promise<Connection>;
}

/** A route as the listener wants it, with test defaults. */
export const route = (spec: RouteSpec, onAccepted: (connection: Connection, request: HandshakeRequest) => void = () => undefined): UpgradeRoute => ({
  subprotocols: [],
  ...spec,
  connection: { ...CONNECTION_DEFAULTS, ...spec.connection },
  heartbeat: { ...NO_HEARTBEAT, ...spec.heartbeat },
  onConnection(connection, request) {
    onAccepted(connection, request);
    return spec.onConnection?.(connection, request);
  },
});

export class TransportHarness {
  private readonly servers = new Set<WebServer>();
  private readonly listeners = new Set<UpgradeListener>();
  private readonly wsClients = new Set<WebSocket>();
  private readonly peers = new Set<RawPeer>();
  readonly sockets = new Set<Socket>();
  private readonly h2Sessions = new Set<H2Session['session']>();

  /** Listens on 127.0.0.1:0 (unless the given server already listens) and attaches a listener. */
  async start(spec: ServerSpec): Promise<StartedServer> {
    const unexpectedErrors: unknown[] = [];
    const listener = new UpgradeListener({
      handshakeTimeoutMs: 2_000,
      onUnexpectedError: (error) => unexpectedErrors.push(error),
      ...spec.listener,
    });
    const accepted: Connection[] = [];
    const waiting: Array<(connection: Connection) => void> = [];
    const onAccepted = (connection: Connection): void => {
      const resolve = waiting.shift();
      if (resolve) resolve(connection);
      else accepted.push(connection);
    };
    for (const routeSpec of spec.routes) listener.addRoute(route(routeSpec, onAccepted));
    const server = spec.server ?? createServer();
    this.servers.add(server);
    this.listeners.add(listener);
    listener.attach(server);
    if (!server.listening) {
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
    }
    return {
      server,
      listener,
      port: (server.address() as AddressInfo).port,
      unexpectedErrors,
      nextConnection: () => {
        const connection = accepted.shift();
        return connection ? Promise.resolve(connection) : new Promise((resolve) => waiting.push(resolve));
      },
    };
  }

  /** A listener with no server of ours: for `listen()` tests. Closed after the test. */
  track(listener: UpgradeListener): UpgradeListener {
    this.listeners.add(listener);
    return listener;
  }

  /** A `ws` client, resolved once open. */
  async ws(url: string, protocols?: string | string[], options?: ClientOptions): Promise<WebSocket> {
    const client = this.wsUnopened(url, protocols, options);
    await once(client, 'open');
    return client;
  }

  /** A `ws` client that may be refused: the test awaits 'open', 'unexpected-response' or 'error'. */
  wsUnopened(url: string, protocols?: string | string[], options?: ClientOptions): WebSocket {
    const client = new WebSocket(url, protocols, options);
    this.wsClients.add(client);
    return client;
  }

  async rawPeer(port: number, path: string, options?: UpgradeRequestOptions & { extraBytes?: Buffer }): Promise<RawPeer> {
    const peer = await RawPeer.connect(port, path, options);
    this.peers.add(peer);
    return peer;
  }

  /** An HTTP/2 session to the server (h2c unless `scheme` is https), once its SETTINGS arrived; destroyed after the test. */
  async h2(port: number, scheme: 'https' | 'http' = 'http'): Promise<H2Session> {
    const opened = await openSession(port, scheme);
    this.h2Sessions.add(opened.session);
    return opened;
  }

  http(port: number, request: string | Buffer): Promise<HttpAnswer> {
    return exchangeHttp(port, request, this.sockets);
  }

  async cleanup(): Promise<void> {
    for (const client of this.wsClients) {
      client.on('error', () => undefined); // terminating a refused or unopened client reports an error
      client.terminate();
    }
    for (const peer of this.peers) peer.socket.destroy();
    for (const session of this.h2Sessions) session.destroy();
    for (const socket of this.sockets) socket.destroy();
    for (const listener of this.listeners) for (const connection of listener.connections) connection.terminate();
    await Promise.all([...this.listeners].map((listener) => listener.close()));
    await Promise.all(
      [...this.servers].map((server) => {
        if (!server.listening) return undefined;
        if ('closeAllConnections' in server) server.closeAllConnections();
        return new Promise((resolve) => server.close(resolve));
      }),
    );
    this.wsClients.clear();
    this.peers.clear();
    this.h2Sessions.clear();
    this.sockets.clear();
    this.listeners.clear();
    this.servers.clear();
  }
}

/** One harness per spec file; everything a test opened is closed after it. */
export function useTransportHarness(): TransportHarness {
  const harness = new TransportHarness();
  afterEach(() => harness.cleanup());
  return harness;
}

/** The server-side 'message' payloads of a connection, as they arrive. */
export function collectMessages(connection: Connection): Array<string | Buffer> {
  const messages: Array<string | Buffer> = [];
  connection.on('message', (data) => messages.push(data));
  return messages;
}

/** Resolves after `count` emissions of `event` on `emitter`, with their first arguments. */
export function nextEvents<T>(emitter: NodeJS.EventEmitter, event: string, count: number): Promise<T[]> {
  return new Promise((resolve) => {
    const values: T[] = [];
    // One persistent listener: repeated once() could miss events emitted back to back.
    const onEvent = (value: T): void => {
      values.push(value);
      if (values.length < count) return;
      emitter.off(event, onEvent);
      resolve(values);
    };
    emitter.on(event, onEvent);
  });
}
