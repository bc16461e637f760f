// A loopback TCP proxy that a test can cut and restore: a network partition between one client
// (e.g. a node's Redis connections) and its server, without stopping either.
import { once } from 'node:events';
import { AddressInfo, createConnection, createServer, Server, Socket } from 'node:net';

export class TcpProxy {
  private readonly sockets = new Set<Socket>();
  /** Server side of each forwarded connection, by its client side. */
  private readonly upstreams = new Map<Socket, Socket>();
  private isCut = false;

  private constructor(
    private readonly server: Server,
    private readonly targetPort: number,
  ) {
    server.on('connection', (socket) => this.accept(socket));
  }

  /** Listens on a free port of 127.0.0.1 and forwards to `targetPort` there. */
  static async start(targetPort: number): Promise<TcpProxy> {
    const proxy = new TcpProxy(createServer(), targetPort);
    proxy.server.listen(0, '127.0.0.1');
    await once(proxy.server, 'listening');
    return proxy;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Resets every forwarded connection and refuses new ones (accepted, then reset) until restore(). */
  cut(): void {
    this.isCut = true;
    for (const socket of this.sockets) reset(socket);
    this.sockets.clear();
  }

  /**
   * The connections open now stay open but stop carrying what the server sends (a silent one-way
   * loss: the client's writes still reach the server); connections opened later forward as usual.
   * `which` picks them by the port they use towards the server (as the server's CLIENT LIST shows it).
   */
  stallDownstream(which: (upstreamLocalPort: number) => boolean = () => true): void {
    for (const [client, upstream] of this.upstreams) {
      if (!which(upstream.localPort ?? 0)) continue;
      upstream.unpipe(client);
      upstream.pause();
    }
  }

  restore(): void {
    this.isCut = false;
  }

  async stop(): Promise<void> {
    this.cut();
    this.server.close();
    await once(this.server, 'close');
  }

  private accept(client: Socket): void {
    if (this.isCut) return reset(client);
    const upstream = createConnection({ host: '127.0.0.1', port: this.targetPort });
    this.upstreams.set(client, upstream);
    client.on('close', () => this.upstreams.delete(client));
    for (const [socket, peer] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.sockets.add(socket);
      socket.pipe(peer);
      socket.on('error', () => peer.destroy());
      socket.on('close', () => {
        this.sockets.delete(socket);
        peer.destroy();
      });
    }
  }
}

/** An RST where the socket is connected; destroy() otherwise (resetAndDestroy() on a socket not yet or no longer open spins in Node 20: the process never exits). */
function reset(socket: Socket): void {
  if (socket.readyState === 'open') socket.resetAndDestroy();
  else socket.destroy();
}
