// A WebSocket server played by the test, frame by frame, with the library's protocol core: for
// checking what the test client itself does on the wire (masking, pongs, closing, handshake checks).
import { once } from 'node:events';
import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Duplex } from 'node:stream';
import { computeAcceptKey } from '../../../lib/protocol/handshake';
import { FrameParser } from '../../../lib/protocol/frame-parser';
import { InboundEvent } from '../../../lib/protocol/inbound-event';

/** The server side of one upgraded connection. */
export class ServerPeer {
  /** Every byte the client sent after the handshake. */
  readonly bytes: Buffer[] = [];
  private readonly events: InboundEvent[] = [];
  private readonly parser = new FrameParser({ role: 'server', maxMessageBytes: 1 << 20 });
  private notify: (() => void) | undefined;

  constructor(
    readonly request: IncomingMessage,
    readonly socket: Duplex,
  ) {
    socket.on('data', (chunk: Buffer) => {
      this.bytes.push(Buffer.from(chunk));
      this.events.push(...this.parser.push(chunk));
      this.notify?.();
    });
    socket.on('error', () => undefined);
  }

  /** The next frame event the client sent (the server role fails unmasked frames). */
  async nextEvent(): Promise<InboundEvent> {
    while (this.events.length === 0) {
      await new Promise<void>((resolve) => (this.notify = resolve));
    }
    return this.events.shift() as InboundEvent;
  }
}

export interface ScriptedServer {
  server: Server;
  /** Resolves with the next connection, once the test's upgrade handler ran. */
  nextPeer(): Promise<ServerPeer>;
  close(): Promise<void>;
}

/** The 101 for `request`, plus any extra header lines. */
export function acceptResponse(request: IncomingMessage, extraLines: string[] = []): string {
  const key = request.headers['sec-websocket-key'] ?? '';
  return ['HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Accept: ${computeAcceptKey(key)}`, ...extraLines, '', ''].join('\r\n');
}

/** An HTTP server on 127.0.0.1 whose upgrades the test answers through `onUpgrade`. */
export async function startScriptedServer(onUpgrade: (peer: ServerPeer) => void): Promise<ScriptedServer> {
  const server = createServer();
  const peers: ServerPeer[] = [];
  const sockets = new Set<Duplex>();
  server.on('upgrade', (request: IncomingMessage, socket: Duplex) => {
    const peer = new ServerPeer(request, socket);
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    peers.push(peer);
    onUpgrade(peer);
    server.emit('peer');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    server,
    async nextPeer() {
      if (peers.length === 0) await once(server, 'peer');
      return peers.shift() as ServerPeer;
    },
    async close() {
      // Upgraded sockets are no longer the HTTP server's: destroy them here.
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export const portOf = (server: Server): number => (server.address() as AddressInfo).port;
