import request from 'supertest';
import { ConnectionRegistry, Rooms, WsConnection } from '../../../lib';
import { DisconnectCounter, RoomsModule } from '../../fixtures/gateways/rooms.gateway';
import { startApp, StartedApp } from '../../fixtures/gateways/test-app';
import { waitUntil, WsTestClient } from '../../helpers/ws-test-client';

describe('ConnectionRegistry', () => {
  let started: StartedApp;
  let registry: ConnectionRegistry;
  const clients: WsTestClient[] = [];

  const connect = async (path: string): Promise<{ client: WsTestClient; id: string }> => {
    const client = await WsTestClient.connect(started.wsUrl(path));
    clients.push(client);
    if (path !== '/rooms') return { client, id: '' };
    const { data } = await client.request<string>('whoami');
    return { client, id: data as string };
  };

  const idsOf = (connections: WsConnection[]): string[] => connections.map((connection) => connection.id).sort();

  beforeEach(async () => {
    started = await startApp(RoomsModule);
    registry = started.app.get(ConnectionRegistry);
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await started.app.close();
  });

  it('finds an open connection by id with get(), and nothing for an unknown id', async () => {
    const { id } = await connect('/rooms');

    const connection = registry.get(id);
    expect(connection).toBeInstanceOf(WsConnection);
    expect(connection?.id).toBe(id);
    expect(connection?.gateway).toBe('RoomsGateway');
    expect(connection?.remoteAddress).toBe('127.0.0.1');
    expect(registry.get('no-such-connection')).toBeUndefined();
  });

  it('lists connections with all() and count, and by gateway with ofGateway() and countsByGateway()', async () => {
    const a = await connect('/rooms');
    const b = await connect('/rooms');
    const metrics = await connect('/metrics-only');
    await metrics.client.request('ping');

    expect(registry.count).toBe(3);
    expect(registry.all()).toHaveLength(3);
    expect(idsOf(registry.ofGateway('RoomsGateway'))).toEqual([a.id, b.id].sort());
    expect(registry.ofGateway('MetricsGateway')).toHaveLength(1);
    expect(registry.ofGateway('NoSuchGateway')).toEqual([]);
    expect(registry.countsByGateway()).toEqual({ RoomsGateway: 2, MetricsGateway: 1 });

    await metrics.client.close();
    await waitUntil(() => registry.count === 2, () => 'the closed connection is still registered');
    expect(registry.ofGateway('MetricsGateway')).toEqual([]);
    expect(registry.countsByGateway().RoomsGateway).toBe(2);
    expect(registry.countsByGateway().MetricsGateway ?? 0).toBe(0);
  });

  it('serves the counts to an HTTP controller', async () => {
    await connect('/rooms');
    await connect('/rooms');

    const response = await request(started.app.getHttpServer()).get('/push/stats');

    expect(response.status).toBe(200);
    expect(response.body).toEqual({ connections: 2, byGateway: { RoomsGateway: 2 }, rooms: [] });
  });

  it('finds connections by tag, forgets them on untag and when they close', async () => {
    const phone = await connect('/rooms');
    const laptop = await connect('/rooms');
    await phone.client.request('identify', { user: 'ada' });
    await laptop.client.request('identify', { user: 'ada' });

    expect(idsOf(registry.tagged('user:ada'))).toEqual([phone.id, laptop.id].sort());
    expect(registry.tagged('user:nobody')).toEqual([]);

    await phone.client.request('forget', { user: 'ada' });
    expect(idsOf(registry.tagged('user:ada'))).toEqual([laptop.id]);

    await laptop.client.close();
    await waitUntil(() => registry.count === 1, () => 'the closed connection is still registered');
    expect(registry.tagged('user:ada')).toEqual([]);
  });

  it('sends to one connection by id with send(), answering true, and false for an unknown or closed one', async () => {
    const target = await connect('/rooms');
    const bystander = await connect('/rooms');

    expect(await registry.send(target.id, 'direct', { text: 'only you' })).toBe(true);
    expect(await target.client.nextEnvelope()).toEqual({ event: 'direct', data: { text: 'only you' } });

    expect(await registry.send('no-such-connection', 'direct', {})).toBe(false);

    await target.client.close();
    await waitUntil(() => registry.count === 1, () => 'the closed connection is still registered');
    expect(await registry.send(target.id, 'direct', {})).toBe(false);

    await registry.send(bystander.id, 'marker');
    expect(await bystander.client.nextEnvelope()).toEqual({ event: 'marker' });
  });

  it('sends by id from an HTTP controller', async () => {
    const target = await connect('/rooms');

    const delivered = await request(started.app.getHttpServer()).post(`/push/connections/${target.id}`).send({ text: 'hi' });
    const lost = await request(started.app.getHttpServer()).post('/push/connections/nobody').send({ text: 'hi' });

    expect(delivered.body).toEqual({ delivered: true });
    expect(lost.body).toEqual({ delivered: false });
    expect(await target.client.nextEnvelope()).toEqual({ event: 'direct', data: { text: 'hi' } });
  });

  it('leaks no connection, room or tag after 1,000 connect/join/tag/disconnect cycles', async () => {
    const cycles = 1000;
    const concurrency = 50;
    const rooms = started.app.get(Rooms);
    const disconnects = started.app.get(DisconnectCounter);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < cycles) {
        const i = next++;
        const client = await WsTestClient.connect(started.wsUrl('/rooms'));
        await client.request('join', { room: `room-${i % 10}` }, 1);
        await client.request('join', { room: 'everyone' }, 2);
        await client.request('identify', { user: `u${i}` }, 3);
        // Half close cleanly, half drop the TCP connection.
        if (i % 2 === 0) await client.close();
        else client.terminate();
      }
    };

    await Promise.all(Array.from({ length: concurrency }, worker));
    await waitUntil(() => disconnects.count === cycles, () => `${disconnects.count}/${cycles} disconnects seen`, 10_000);
    await new Promise((resolve) => setImmediate(resolve)); // rooms are left right after the hook

    expect(registry.count).toBe(0);
    expect(registry.all()).toEqual([]);
    expect(registry.ofGateway('RoomsGateway')).toEqual([]);
    expect(registry.countsByGateway().RoomsGateway ?? 0).toBe(0);
    expect(registry.tagged('user:u0')).toEqual([]);
    expect(registry.tagged(`user:u${cycles - 1}`)).toEqual([]);
    expect(await rooms.all()).toEqual([]);
    expect(await rooms.members('everyone')).toEqual([]);
  }, 30_000);
});
