// The gateway groups (each gateway's, and ALL_GATEWAYS) have no per-member index since e1ae7ff: a
// connection's close scans them. Attacked here through a Nest app: many connections of two gateways
// leave while server-wide and per-gateway sends are going out, and the app closes with connections open.
import { INestApplication, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { AddressInfo } from 'node:net';
import { ConnectedSocket, ConnectionRegistry, Gateway, MessageBody, OnMessage, WebSocketModule, WsConnection } from '../../../lib';
import { RoomsNode } from '../../../lib/rooms/rooms-node';
import { TestEnvelope, waitUntil, WsTestClient } from '../../helpers/ws-test-client';

@Gateway({ path: '/chat' })
class ChatGateway {
  constructor(private readonly registry: ConnectionRegistry) {}

  /** Sends `count` numbered events to everyone but the sender: server-wide, or to one gateway. */
  @OnMessage('spread')
  async spread(@ConnectedSocket() client: WsConnection, @MessageBody() body: { to: 'all' | 'NewsGateway'; count: number; event: string }): Promise<string> {
    for (let i = 0; i < body.count; i++) {
      if (body.to === 'all') await this.registry.sendToAll(body.event, i, client);
      else await this.registry.sendToGateway(body.to, body.event, i, client);
    }
    return 'spread';
  }
}

@Gateway({ path: '/news', perMessageDeflate: true })
class NewsGateway {}

@Module({ imports: [WebSocketModule.forRoot({})], providers: [ChatGateway, NewsGateway] })
class AppModule {}

const GROUPS_EMPTY = { groups: 0, connectionsInGroups: 0, presenceGroups: 0 };

describe('gateway groups while many connections leave', () => {
  let app: INestApplication;
  let clients: WsTestClient[] = [];
  const url = (path: string): string => `ws://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}${path}`;

  beforeEach(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
  });
  afterEach(async () => {
    for (const client of clients) client.terminate();
    clients = [];
    await app.close();
  });

  async function connect(path: string, count: number): Promise<WsTestClient[]> {
    const opened = await Promise.all(Array.from({ length: count }, () => WsTestClient.connect(url(path))));
    clients.push(...opened);
    await Promise.all(opened.map((client) => client.request('no-such-event'))); // in the registry and its groups
    return opened;
  }

  /** The `event` envelopes a client received before the marker `end`, sent to everyone after them. */
  async function receivedBefore(client: WsTestClient, event: string): Promise<unknown[]> {
    const seen: unknown[] = [];
    for (let i = 0; i < 100; i++) {
      const envelope: TestEnvelope = await client.nextEnvelope((e) => e.event === event || e.event === 'end', `${event} or end`);
      if (envelope.event === 'end') return seen;
      seen.push(envelope.data);
    }
    throw new Error('no end marker after 100 envelopes');
  }

  it.each([
    ['server-wide (ALL_GATEWAYS)', 'all' as const],
    ['to the other gateway', 'NewsGateway' as const],
  ])('half of 2 x 24 connections leave while 5 sends go out %s: every other one gets each once, and the groups empty as they all close', async (_name, to) => {
    const [sender, ...chat] = await connect('/chat', 24);
    const news = await connect('/news', 24);
    const leaving = [...chat.filter((_c, i) => i % 2 === 0), ...news.filter((_c, i) => i % 2 === 0)];
    const staying = [...chat.filter((_c, i) => i % 2 === 1), ...news.filter((_c, i) => i % 2 === 1)];
    const rooms = app.get(RoomsNode);
    const registry = app.get(ConnectionRegistry);

    const spread = sender.request('spread', { to, count: 5, event: 'told' });
    leaving.forEach((client, i) => (i % 2 === 0 ? client.terminate() : void client.close()));
    expect((await spread).data).toBe('spread');
    await Promise.all(leaving.map((client) => client.closed()));
    await sender.request('spread', { to: 'all', count: 1, event: 'end' });
    await registry.sendToAll('end'); // the sender's own marker

    const expected = (client: WsTestClient): number[] => (to === 'all' || news.includes(client) ? [0, 1, 2, 3, 4] : []);
    for (const client of staying) expect(await receivedBefore(client, 'told')).toEqual(expected(client));
    for (const client of [sender, ...staying]) client.terminate();
    await Promise.all([sender, ...staying].map((client) => client.closed()));

    // The server handles the closes as it reads them: wait for the registry to see every one.
    await waitUntil(() => registry.footprint().connections === 0, () => `still open: ${JSON.stringify(registry.footprint())}`);

    expect(rooms.local.gateways.footprint()).toEqual(GROUPS_EMPTY);
    expect(registry.countsByGateway()).toEqual({});
  }, 20_000);

  it('closing the app with 2 x 24 connections open leaves its gateway groups and registry empty', async () => {
    await connect('/chat', 24);
    await connect('/news', 24);
    const rooms = app.get(RoomsNode);
    const registry = app.get(ConnectionRegistry);

    await app.close();
    await Promise.all(clients.map((client) => client.closed()));

    expect(rooms.local.gateways.footprint()).toEqual(GROUPS_EMPTY);
    expect(registry.footprint()).toEqual({ connections: 0, gateways: 0, tags: 0, taggedConnections: 0 });
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = moduleRef.createNestApplication({ logger: false }); // for afterEach
    await app.init();
  }, 20_000);
});
