import request from 'supertest';
import { ConnectionRegistry, Rooms } from '../../../lib';
import { LobbyProbe, RoomsModule } from '../../fixtures/gateways/rooms.gateway';
import { Deferred, startApp, StartedApp } from '../../fixtures/gateways/test-app';
import { waitUntil, withTimeout, WsTestClient } from '../../helpers/ws-test-client';

interface Member {
  client: WsTestClient;
  id: string;
}

const sorted = (values: string[]): string[] => [...values].sort();

describe('Rooms', () => {
  let started: StartedApp;
  let rooms: Rooms;
  const clients: WsTestClient[] = [];

  /** Connects to /rooms and learns the server-side connection id. */
  const member = async (...roomNames: string[]): Promise<Member> => {
    const client = await WsTestClient.connect(started.wsUrl('/rooms'));
    clients.push(client);
    const { data: id } = await client.request<string>('whoami');
    for (const room of roomNames) await client.request('join', { room });
    return { client, id: id as string };
  };

  beforeAll(async () => {
    started = await startApp(RoomsModule);
    rooms = started.app.get(Rooms);
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    const registry = started.app.get(ConnectionRegistry);
    await waitUntil(() => registry.count === 0, () => `${registry.count} connections still open after the test`);
  });

  afterAll(async () => {
    await started.app.close();
  });

  describe('membership', () => {
    it('tracks join, leave and leaveAll in members(), roomsOf() and all()', async () => {
      const a = await member();
      const b = await member();

      expect((await a.client.request('join', { room: 'red' })).data).toEqual(['red']);
      expect(sorted((await a.client.request<string[]>('join', { room: 'blue' })).data ?? [])).toEqual(['blue', 'red']);
      await b.client.request('join', { room: 'blue' });

      expect(sorted(await rooms.members('blue'))).toEqual(sorted([a.id, b.id]));
      expect(await rooms.members('red')).toEqual([a.id]);
      expect(sorted(await rooms.roomsOf(a.id))).toEqual(['blue', 'red']);
      expect(sorted(await rooms.all())).toEqual(['blue', 'red']);

      expect((await a.client.request('leave', { room: 'red' })).data).toEqual(['blue']);
      expect(await rooms.all()).toEqual(['blue']); // an emptied room disappears

      expect((await a.client.request('leave-all')).data).toEqual([]);
      expect(await rooms.members('blue')).toEqual([b.id]);
      expect(await rooms.roomsOf(a.id)).toEqual([]);
    });

    it('lets code outside a gateway join and leave connections by id', async () => {
      const a = await member();

      await rooms.join(a.id, 'ops');
      expect(await rooms.members('ops')).toEqual([a.id]);
      await rooms.leave(a.id, 'ops');
      expect(await rooms.members('ops')).toEqual([]);
    });

    it('takes a connection out of every room when it closes', async () => {
      const a = await member('red', 'blue');
      const b = await member('blue');

      await a.client.close();
      await waitUntil(async () => (await rooms.members('blue')).length === 1, () => 'the closed connection is still a member');

      expect(await rooms.members('blue')).toEqual([b.id]);
      expect(await rooms.all()).toEqual(['blue']);
      expect(await rooms.roomsOf(a.id)).toEqual([]);
    });
  });

  describe('presence', () => {
    it('still lists the rooms of a closing connection in handleDisconnect, so the others hear who left', async () => {
      const leaving = await member('presence-lobby');
      const staying = await member('presence-lobby');

      await leaving.client.close();

      expect(await staying.client.nextEnvelope()).toEqual({ event: 'left', data: { room: 'presence-lobby', id: leaving.id } });
      await waitUntil(async () => (await rooms.members('presence-lobby')).length === 1, () => 'the closed connection is still a member');
      expect(await rooms.members('presence-lobby')).toEqual([staying.id]);
    });
  });

  describe('broadcasts', () => {
    it('delivers to(room).send() to every member of the room and to nobody else', async () => {
      const members = await Promise.all([member('news'), member('news'), member('news')]);
      const outsider = await member('other');

      await rooms.to('news').send('headline', { text: 'rooms work' });
      await rooms.to('other').send('marker', 1);

      for (const { client } of members) {
        expect(await client.nextEnvelope()).toEqual({ event: 'headline', data: { text: 'rooms work' } });
      }
      expect(await outsider.client.nextEnvelope()).toEqual({ event: 'marker', data: 1 });
    });

    it('skips the connection given to except()', async () => {
      const [a, b, c] = await Promise.all([member('news'), member('news'), member('news')]);

      await rooms.to('news').except(a.id).send('first');
      await rooms.to('news').send('second');

      expect(await a.client.nextEnvelope()).toEqual({ event: 'second' });
      for (const { client } of [b, c]) {
        expect(await client.nextEnvelope()).toEqual({ event: 'first' });
        expect(await client.nextEnvelope()).toEqual({ event: 'second' });
      }
    });

    it('skips the sender when a handler broadcasts with except(client)', async () => {
      const [sender, listener] = await Promise.all([member('chat'), member('chat')]);

      await sender.client.sendEvent('say', { room: 'chat', text: 'hi' });
      expect(await listener.client.nextEnvelope()).toEqual({ event: 'said', data: { room: 'chat', text: 'hi', from: sender.id } });

      await rooms.to('chat').send('marker');
      expect(await sender.client.nextEnvelope()).toEqual({ event: 'marker' });
    });

    it('delivers once to a member of several rooms addressed together', async () => {
      const both = await member('red', 'blue');
      const red = await member('red');
      const blue = await member('blue');

      await rooms.to(['red', 'blue']).send('once', 1);
      await rooms.to('red').to('blue').send('once', 2);
      await rooms.to('red').to('blue').send('marker');

      expect([await both.client.nextEnvelope(), await both.client.nextEnvelope(), await both.client.nextEnvelope()]).toEqual([
        { event: 'once', data: 1 },
        { event: 'once', data: 2 },
        { event: 'marker' },
      ]);
      expect(await red.client.nextEnvelope()).toEqual({ event: 'once', data: 1 });
      expect(await blue.client.nextEnvelope()).toEqual({ event: 'once', data: 1 });
    });

    it('sends sendRaw() strings as text and Buffers as binary, without an envelope', async () => {
      const { client } = await member('raw');

      await rooms.to('raw').sendRaw('plain words');
      await rooms.to('raw').sendRaw(Buffer.from([1, 2, 3]));

      expect(await client.nextMessage()).toEqual({ data: 'plain words', isBinary: false });
      expect(await client.nextMessage()).toEqual({ data: Buffer.from([1, 2, 3]), isBinary: true });
    });

    it('sends nothing and fails nothing for a room without members', async () => {
      await expect(rooms.to('nobody-here').send('lost')).resolves.toBeUndefined();
    });
  });

  describe('from an HTTP controller', () => {
    it('pushes a POST to every member of the room', async () => {
      const [a, b] = await Promise.all([member('hall'), member('hall')]);

      const response = await request(started.app.getHttpServer()).post('/push/rooms/hall').send({ text: 'maintenance at 5' });

      expect(response.status).toBe(202);
      expect(response.body).toEqual({ members: 2 });
      for (const { client } of [a, b]) {
        expect(await client.nextEnvelope()).toEqual({ event: 'announcement', data: { room: 'hall', text: 'maintenance at 5' } });
      }
    });

    it("pushes a POST to every connection tagged with the user, and to no one else's", async () => {
      const [adaPhone, adaLaptop, bob] = await Promise.all([member(), member(), member()]);
      await Promise.all([
        adaPhone.client.request('identify', { user: 'ada' }),
        adaLaptop.client.request('identify', { user: 'ada' }),
        bob.client.request('identify', { user: 'bob' }),
      ]);

      const response = await request(started.app.getHttpServer()).post('/push/users/ada').send({ text: 'you have mail' });

      expect(response.body).toEqual({ connections: 2 });
      for (const { client } of [adaPhone, adaLaptop]) {
        expect(await client.nextEnvelope()).toEqual({ event: 'notification', data: { text: 'you have mail' } });
      }
      await request(started.app.getHttpServer()).post('/push/users/bob').send({ text: 'for bob' });
      expect(await bob.client.nextEnvelope()).toEqual({ event: 'notification', data: { text: 'for bob' } });
    });
  });

  describe('joined from handleConnection', () => {
    it('has the new connection in the room once handleConnection has finished', async () => {
      const client = await WsTestClient.connect(started.wsUrl('/lobby'));
      clients.push(client);
      await client.request('ping'); // handled only after handleConnection

      const [id] = await rooms.members('lobby');
      expect(started.app.get(ConnectionRegistry).get(id)?.gateway).toBe('LobbyGateway');
      expect(started.app.get(ConnectionRegistry).tagged('lobby-visitor').map((c) => c.id)).toEqual([id]);
    });

    it('leaves no membership or tag behind when the client drops while handleConnection is still running', async () => {
      const registry = started.app.get(ConnectionRegistry);
      const probe = started.app.get(LobbyProbe);
      Object.assign(probe, { hold: new Deferred(), entered: new Deferred(), finished: new Deferred() });
      const client = await WsTestClient.connect(started.wsUrl('/lobby'));
      await withTimeout(probe.entered.promise, 3000, () => 'handleConnection did not start');

      client.terminate();
      await waitUntil(() => registry.count === 0, () => 'the server did not notice the dropped connection');
      probe.hold?.resolve(); // the slow lookup ends after the client has gone
      await withTimeout(probe.finished.promise, 3000, () => 'handleConnection did not finish');
      await new Promise((resolve) => setImmediate(resolve));

      expect(await rooms.members('lobby')).toEqual([]);
      expect(registry.tagged('lobby-visitor')).toEqual([]);
    });
  });
});
