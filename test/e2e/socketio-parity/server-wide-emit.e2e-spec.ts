// socket.io's `io.emit()` / `server.emit()` (a namespace) and `client.broadcast.emit()` in our API:
// registry.sendToAll() and registry.sendToGateway(), across two nodes on a real redis-server.
import { INestApplication, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { AddressInfo } from 'node:net';
import { ConnectedSocket, ConnectionRegistry, Gateway, MessageBody, OnMessage, RedisAdapter, WebSocketModule, WsConnection } from '../../../lib';
import { RoomsNode } from '../../../lib/rooms/rooms-node';
import { RedisServer } from '../../helpers/redis-server';
import { TestEnvelope, waitUntil, WsTestClient } from '../../helpers/ws-test-client';

@Gateway({ path: '/chat' })
class ChatGateway {
  constructor(private readonly registry: ConnectionRegistry) {}

  /** socket.io: `client.broadcast.emit('shout', text)`: everyone on the gateway but the sender. */
  @OnMessage('shout')
  async shout(@ConnectedSocket() client: WsConnection, @MessageBody() text: string): Promise<string> {
    await this.registry.sendToGateway(ChatGateway.name, 'shouted', text, client);
    return 'sent';
  }
}

@Gateway({ path: '/news', perMessageDeflate: true })
class NewsGateway {}

function nodeModule(redisUrl: string) {
  @Module({
    imports: [WebSocketModule.forRoot({ adapter: new RedisAdapter({ url: redisUrl, keyPrefix: 'parity:' }) })],
    providers: [ChatGateway, NewsGateway],
  })
  class NodeModule {}
  return NodeModule;
}

interface Node {
  app: INestApplication;
  url(path: string): string;
}

async function startNode(redisUrl: string): Promise<Node> {
  const moduleRef = await Test.createTestingModule({ imports: [nodeModule(redisUrl)] }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { app, url: (path) => `ws://127.0.0.1:${port}${path}` };
}

describe('server-wide emit across nodes (socket.io io.emit, server.emit, broadcast.emit)', () => {
  let redis: RedisServer;
  let nodes: Node[] = [];
  let clients: WsTestClient[] = [];

  beforeAll(async () => {
    redis = await RedisServer.start();
    nodes = [await startNode(redis.url), await startNode(redis.url)];
  }, 30_000);
  afterEach(async () => {
    await Promise.all(clients.map((client) => client.close().catch(() => client.terminate())));
    clients = [];
  });
  afterAll(async () => {
    await Promise.all(nodes.map(({ app }) => app.close()));
    await redis?.dispose();
  }, 30_000);

  /** A client on each gateway of each node: chat@0, news@0, chat@1, news@1. */
  async function everywhere(): Promise<Record<'chat0' | 'news0' | 'chat1' | 'news1', WsTestClient>> {
    const [chat0, news0, chat1, news1] = await Promise.all(
      [nodes[0].url('/chat'), nodes[0].url('/news'), nodes[1].url('/chat'), nodes[1].url('/news')].map((url) => WsTestClient.connect(url)),
    );
    clients.push(chat0, news0, chat1, news1);
    // A round trip to each: its connection is in the registry (and the node subscribed) before anything is sent.
    await Promise.all(clients.map((client) => client.request('no-such-event')));
    return { chat0, news0, chat1, news1 };
  }

  /**
   * What a client received of `event`, up to the marker sent to everyone after it. The marker comes
   * from the node that sent the event: one node's messages reach every client in the order it sent them.
   */
  async function receivedBefore(marker: string, client: WsTestClient, event: string): Promise<unknown[]> {
    const received: unknown[] = [];
    for (;;) {
      const envelope: TestEnvelope = await client.nextEnvelope((candidate) => candidate.event === event || candidate.event === marker);
      if (envelope.event === marker) return received;
      received.push(envelope.data);
    }
  }

  const registryOf = (index: number): ConnectionRegistry => nodes[index].app.get(ConnectionRegistry);

  it('sendToAll reaches every connection of every gateway on every node, once', async () => {
    const all = await everywhere();

    await registryOf(0).sendToAll('maintenance', { at: '22:00' });
    await registryOf(0).sendToAll('marker');

    for (const client of Object.values(all)) expect(await receivedBefore('marker', client, 'maintenance')).toEqual([{ at: '22:00' }]);
  });

  it('sendToGateway reaches the connections of that gateway on every node, and no other gateway', async () => {
    const { chat0, news0, chat1, news1 } = await everywhere();

    await registryOf(1).sendToGateway(NewsGateway.name, 'headline', 'big news');
    await registryOf(1).sendToAll('marker');

    expect(await receivedBefore('marker', news0, 'headline')).toEqual(['big news']);
    expect(await receivedBefore('marker', news1, 'headline')).toEqual(['big news']);
    expect(await receivedBefore('marker', chat0, 'headline')).toEqual([]);
    expect(await receivedBefore('marker', chat1, 'headline')).toEqual([]);
  });

  it('skips the connections in except, on every node: a handler broadcasting to everyone but its sender', async () => {
    const { chat0, news0, chat1 } = await everywhere();

    expect((await chat0.request('shout', 'hello all')).data).toBe('sent');
    await registryOf(0).sendToAll('marker');

    expect(await receivedBefore('marker', chat0, 'shouted')).toEqual([]);
    expect(await receivedBefore('marker', chat1, 'shouted')).toEqual(['hello all']);
    expect(await receivedBefore('marker', news0, 'shouted')).toEqual([]);
  });

  it('still reaches the open connections after others closed, and each node forgets its gateway groups once their last connection closed', async () => {
    const { chat0, news1 } = await everywhere();
    await Promise.all(clients.filter((client) => client !== chat0 && client !== news1).map((client) => client.close()));

    await registryOf(1).sendToAll('after-close', 1);
    await registryOf(1).sendToAll('marker');
    expect(await receivedBefore('marker', chat0, 'after-close')).toEqual([1]);
    expect(await receivedBefore('marker', news1, 'after-close')).toEqual([1]);
    await Promise.all([chat0.close(), news1.close()]);

    const groupsLeft = (): number => nodes.reduce((total, { app }) => total + app.get(RoomsNode).local.gateways.footprint().groups, 0);
    await waitUntil(() => groupsLeft() === 0, () => `${groupsLeft()} gateway groups are left`);
  });

  it('checks its arguments: a gateway or event that is not a non-empty string throws a TypeError naming it', () => {
    const registry = registryOf(0);

    expect(() => registry.sendToGateway('', 'event')).toThrow(new TypeError('registry.sendToGateway(): gateway must be a non-empty string, got ""'));
    expect(() => registry.sendToAll(undefined as unknown as string)).toThrow(new TypeError('registry.sendToAll(): event must be a non-empty string, got undefined'));
  });
});

describe('server-wide emit on one node (the default MemoryAdapter)', () => {
  @Module({ imports: [WebSocketModule.forRoot({})], providers: [ChatGateway, NewsGateway] })
  class SingleNodeModule {}

  it('sendToAll reaches both gateways and sendToGateway only its own, with no broker behind them', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [SingleNodeModule] }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as AddressInfo;
    const [chat, news] = await Promise.all(['/chat', '/news'].map((path) => WsTestClient.connect(`ws://127.0.0.1:${port}${path}`)));
    try {
      const registry = app.get(ConnectionRegistry);
      await registry.sendToGateway(ChatGateway.name, 'only-chat', 1);
      await registry.sendToAll('everyone', 2);

      expect(await chat.nextEnvelope()).toEqual({ event: 'only-chat', data: 1 });
      expect(await chat.nextEnvelope()).toEqual({ event: 'everyone', data: 2 });
      expect(await news.nextEnvelope()).toEqual({ event: 'everyone', data: 2 });
    } finally {
      await Promise.all([chat.close(), news.close()]);
      await app.close();
    }
  });
});
