// Problem 6 of issue 16: our gateways share the application's HTTP server with the WebSocket servers
// an app moving in already has, one gateway at a time: @nestjs/platform-ws, a `ws` server (as
// graphql-ws uses it) and socket.io, each on its own path, each working while ours does.
import { INestApplication, Module } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { WsAdapter } from '@nestjs/platform-ws';
import { MessageBody as NestMessageBody, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { IncomingMessage, Server } from 'node:http';
import { once } from 'node:events';
import { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import { Gateway, HandshakeGuard, MessageBody, OnMessage, UseHandshakeGuards, WebSocketModule } from '../../../lib';
import { closeAllTestClients, connectToGateway, GatewayTestClient } from '../../../lib/testing';
import { startCompatApp } from './compat-app';

/**
 * Decides only after a timer of 1 ms: socket.io's engine (destroyUpgradeTimeout 1 below) ends an
 * upgrade it does not serve when its own 1 ms timer, set earlier, finds nothing written to it.
 */
class LaterGuard implements HandshakeGuard {
  async canActivate(): Promise<boolean> {
    await new Promise((resolve) => setTimeout(resolve, 1));
    return true;
  }
}

@Gateway({ path: '/chat' })
@UseHandshakeGuards(LaterGuard)
class ChatGateway {
  @OnMessage('say')
  say(@MessageBody() text: string): string {
    return `ours: ${text}`;
  }
}

/** A gateway the app kept on Nest's own adapters. */
class LegacyHandlers {
  @SubscribeMessage('say')
  say(@NestMessageBody() text: string): { event: string; data: string } {
    return { event: 'said', data: `theirs: ${text}` };
  }
}

@WebSocketGateway({ path: '/legacy' })
class PlatformWsGateway extends LegacyHandlers {}

/** On socket.io's own path, /socket.io/. */
@WebSocketGateway({ destroyUpgradeTimeout: 1 })
class SocketIoGateway extends LegacyHandlers {}

@Module({ imports: [WebSocketModule.forRoot({})], providers: [ChatGateway, PlatformWsGateway] })
class PlatformWsModule {}

@Module({ imports: [WebSocketModule.forRoot({})], providers: [ChatGateway, SocketIoGateway] })
class SocketIoModule {}

@Module({ imports: [WebSocketModule.forRoot({})], providers: [ChatGateway] })
class OursOnlyModule {}

describe('sharing the HTTP server with other WebSocket servers', () => {
  let app: INestApplication | undefined;
  const theirs: WebSocket[] = [];

  const start = async (module: object, configure: (app: INestApplication) => void = () => undefined): Promise<INestApplication> => {
    app = await startCompatApp(module, { configure });
    return app;
  };

  const portOf = (nest: INestApplication): number => ((nest.getHttpServer() as Server).address() as { port: number }).port;

  const openTheirs = async (url: string, protocols?: string): Promise<WebSocket> => {
    const socket = new WebSocket(url, protocols);
    theirs.push(socket);
    await once(socket, 'open');
    return socket;
  };

  const nextText = async (socket: WebSocket): Promise<string> => String(((await once(socket, 'message')) as [Buffer])[0]);

  /** Our side, while theirs is open: a request answered, and the connection still open. */
  const expectOursWorking = async (nest: INestApplication): Promise<GatewayTestClient> => {
    const ours = await connectToGateway(nest, '/chat');
    await expect(ours.request('say', 'hi')).resolves.toBe('ours: hi');
    return ours;
  };

  afterEach(async () => {
    for (const socket of theirs.splice(0)) socket.terminate();
    await closeAllTestClients();
    await app?.close();
    app = undefined;
  });

  it('serves ours beside a @nestjs/platform-ws gateway, both connections open at once', async () => {
    const nest = await start(PlatformWsModule, (created) => created.useWebSocketAdapter(new WsAdapter(created)));
    const legacy = await openTheirs(`ws://127.0.0.1:${portOf(nest)}/legacy`);
    const ours = await expectOursWorking(nest);

    legacy.send(JSON.stringify({ event: 'say', data: 'hi' }));
    expect(await nextText(legacy)).toBe('{"event":"said","data":"theirs: hi"}');
    await expect(ours.request('say', 'again')).resolves.toBe('ours: again');
    expect(legacy.readyState).toBe(WebSocket.OPEN);
  });

  it('serves ours beside a socket.io gateway (IoAdapter), both connections open at once', async () => {
    const nest = await start(SocketIoModule, (created) => created.useWebSocketAdapter(new IoAdapter(created)));
    // socket.io over its websocket transport, spoken by hand: engine.io open, namespace connect, an event with ack 1.
    const io = new WebSocket(`ws://127.0.0.1:${portOf(nest)}/socket.io/?EIO=4&transport=websocket`);
    theirs.push(io);
    expect(await nextText(io)).toMatch(/^0\{"sid":/);
    io.send('40');
    expect(await nextText(io)).toMatch(/^40\{"sid":/);
    const ours = await expectOursWorking(nest);

    io.send('421["say","hi"]');
    expect(await nextText(io)).toBe('42["said","theirs: hi"]');
    await expect(ours.request('say', 'again')).resolves.toBe('ours: again');
    expect(io.readyState).toBe(WebSocket.OPEN);
  });

  it.each(['before', 'after'])('serves ours beside a ws server made with { server, path } %s the app listens, both open at once', async (when) => {
    let graphql: WebSocketServer | undefined;
    const attach = (server: Server): void => {
      graphql = new WebSocketServer({ server, path: '/graphql' });
      // The first step of graphql-ws's protocol, enough to see the server is the one answering.
      graphql.on('connection', (socket) => socket.on('message', () => socket.send('{"type":"connection_ack"}')));
    };
    const nest = await start(OursOnlyModule, (created) => {
      if (when === 'before') attach(created.getHttpServer() as Server);
    });
    if (when === 'after') attach(nest.getHttpServer() as Server);
    try {
      const client = await openTheirs(`ws://127.0.0.1:${portOf(nest)}/graphql`, 'graphql-transport-ws');
      const ours = await expectOursWorking(nest);

      client.send('{"type":"connection_init"}');
      expect(await nextText(client)).toBe('{"type":"connection_ack"}');
      await expect(ours.request('say', 'again')).resolves.toBe('ours: again');
      expect(client.protocol).toBe('graphql-transport-ws');
    } finally {
      for (const socket of theirs.splice(0)) socket.terminate();
      await new Promise((resolve) => graphql?.close(resolve));
    }
  });

  it("serves ours beside the noServer recipe of ws's README, which destroys every other upgrade", async () => {
    const nest = await start(OursOnlyModule);
    const server = nest.getHttpServer() as Server;
    const wss = new WebSocketServer({ noServer: true });
    wss.on('connection', (socket) => socket.on('message', (data) => socket.send(`theirs: ${String(data)}`)));
    const recipe = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
      const { pathname } = new URL(request.url ?? '/', 'ws://localhost');
      if (pathname === '/foo') wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
      else socket.destroy();
    };
    server.on('upgrade', recipe);
    try {
      const client = await openTheirs(`ws://127.0.0.1:${portOf(nest)}/foo`);
      const ours = await expectOursWorking(nest);

      client.send('hi');
      expect(await nextText(client)).toBe('theirs: hi');
      await expect(ours.request('say', 'again')).resolves.toBe('ours: again');
    } finally {
      server.off('upgrade', recipe);
      for (const socket of theirs.splice(0)) socket.terminate();
      await new Promise((resolve) => wss.close(resolve));
    }
  });
});
