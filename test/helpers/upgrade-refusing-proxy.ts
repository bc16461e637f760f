// A loopback HTTP proxy in front of an app, as a corporate proxy that breaks WebSockets: while
// `refusesUpgrades` it answers every upgrade with 403; plain requests (and their streamed answers,
// such as server-sent events) pass. Once upgrades are allowed they are tunnelled to the app.
import { once } from 'node:events';
import { createServer, IncomingMessage, request, Server } from 'node:http';
import { AddressInfo, createConnection, Socket } from 'node:net';
import { Duplex } from 'node:stream';

export class UpgradeRefusingProxy {
  refusesUpgrades = true;
  /** Upgrades refused so far. */
  refused = 0;
  private readonly sockets = new Set<Duplex>();

  private constructor(
    private readonly server: Server,
    private readonly targetPort: number,
  ) {
    server.on('connection', (socket: Socket) => this.track(socket));
    server.on('request', (incoming: IncomingMessage, outgoing) => {
      const forwarded = request({ host: '127.0.0.1', port: targetPort, method: incoming.method, path: incoming.url, headers: incoming.headers });
      forwarded.on('response', (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      });
      forwarded.on('error', () => outgoing.destroy());
      outgoing.on('close', () => forwarded.destroy());
      incoming.pipe(forwarded);
    });
    server.on('upgrade', (incoming: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(incoming, socket, head));
  }

  static async start(targetPort: number): Promise<UpgradeRefusingProxy> {
    const proxy = new UpgradeRefusingProxy(createServer(), targetPort);
    proxy.server.listen(0, '127.0.0.1');
    await once(proxy.server, 'listening');
    return proxy;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.server.close();
    await once(this.server, 'close');
  }

  private upgrade(incoming: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.refusesUpgrades) {
      this.refused++;
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const upstream = this.track(createConnection({ host: '127.0.0.1', port: this.targetPort }));
    let text = `${incoming.method} ${incoming.url} HTTP/1.1\r\n`;
    for (let i = 0; i < incoming.rawHeaders.length; i += 2) text += `${incoming.rawHeaders[i]}: ${incoming.rawHeaders[i + 1]}\r\n`;
    upstream.write(text + '\r\n');
    upstream.write(head);
    socket.pipe(upstream).pipe(socket);
    socket.on('error', () => upstream.destroy());
    upstream.on('error', () => socket.destroy());
    socket.on('close', () => upstream.destroy());
    upstream.on('close', () => socket.destroy());
  }

  private track<T extends Duplex>(socket: T): T {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    return socket;
  }
}
