// Problem 7 of issue 16: forms of @nestjs/websockets gateways. Undecorated `(client, data)` handlers and
// `handleConnection(client, ...args)` work; @WebSocketServer() and @SubscribeMessage(), which would do
// nothing here, stop the application at start with what to use instead; `afterInit(server)` does not compile.
import { INestApplication, Module, UseInterceptors } from '@nestjs/common';
import { SubscribeMessage, WebSocketServer } from '@nestjs/websockets';
import { Server } from 'ws';
import { Gateway, HandshakeInfo, OnGatewayConnection, OnGatewayInit, OnMessage, WebSocketModule, WsConnection } from '../../../lib';
import { nestDecoratorOnGateway } from '../../../lib/gateway/messages';
import { closeAllTestClients, connectToGateway } from '../../../lib/testing';
import { PassThroughInterceptor, startCompatApp } from './compat-app';

/** As platform-ws gateways are often written: no parameter decorators, and a connection hook with rest arguments. */
class UndecoratedHandlers implements OnGatewayConnection, OnGatewayInit {
  readonly connected: { url: unknown; header: unknown }[] = [];
  initArgs: unknown[] | undefined;

  afterInit(...args: unknown[]): void {
    this.initArgs = args;
  }

  handleConnection(client: WsConnection, ...args: unknown[]): void {
    // platform-ws passes the upgrade request; here it is the HandshakeInfo, with the same url and headers.
    const [request] = args as [HandshakeInfo];
    this.connected.push({ url: request.url, header: request.headers['x-client'] });
    client.data.connectedAt = 'handleConnection';
  }

  @OnMessage('echo')
  echo(client: WsConnection, data: unknown): { from: unknown; data: unknown } {
    return { from: client.data.connectedAt, data };
  }
}

@Gateway({ path: '/direct' })
class DirectGateway extends UndecoratedHandlers {}

@Gateway({ path: '/pipeline' })
@UseInterceptors(PassThroughInterceptor)
class PipelineGateway extends UndecoratedHandlers {}

@Module({ imports: [WebSocketModule.forRoot({})], providers: [DirectGateway, PipelineGateway] })
class FormsModule {}

@Gateway({ path: '/server' })
class KeepsServerGateway {
  @WebSocketServer() server!: Server;
}

@Gateway({ path: '/subscribe' })
class KeepsSubscribeGateway {
  @SubscribeMessage('join')
  join(): string {
    return 'joined';
  }
}

// @ts-expect-error afterInit() is given no server here: inject Rooms or ConnectionRegistry instead (docs/migration.md).
const initWithServer: OnGatewayInit = { afterInit: (server: Server) => server.close() };

describe('forms of @nestjs/websockets gateways', () => {
  let app: INestApplication | undefined;


  afterEach(async () => {
    await closeAllTestClients();
    await app?.close();
    app = undefined;
  });

  it.each([
    ['/direct', DirectGateway],
    ['/pipeline', PipelineGateway],
  ] as const)('calls undecorated handlers on %s with (client, data), and handleConnection with the handshake', async (path, gateway) => {
    const started = (app = await startCompatApp(FormsModule));

    const ws = await connectToGateway(started, `${path}?room=1`, { headers: { 'x-client': 'tests' } });

    await expect(ws.request('echo', { n: 1 })).resolves.toEqual({ from: 'handleConnection', data: { n: 1 } });
    expect(started.get(gateway).connected).toEqual([{ url: `${path}?room=1`, header: 'tests' }]);
  });

  it.each([
    ['@WebSocketServer()', KeepsServerGateway, 'server'],
    ['@SubscribeMessage()', KeepsSubscribeGateway, 'join'],
  ] as const)('does not start with %s of @nestjs/websockets on a gateway, and says what to use', async (decorator, gateway, member) => {
    @Module({ imports: [WebSocketModule.forRoot({})], providers: [gateway] })
    class LeftoverModule {}
    await expect(startCompatApp(LeftoverModule)).rejects.toThrow(nestDecoratorOnGateway(gateway.name, member, decorator));
  });

  it('calls afterInit with no server, as its type says (afterInit(server: Server) does not compile)', async () => {
    const started = (app = await startCompatApp(FormsModule));

    expect(started.get(DirectGateway).initArgs).toEqual([]);
    expect(typeof initWithServer.afterInit).toBe('function');
  });
});
