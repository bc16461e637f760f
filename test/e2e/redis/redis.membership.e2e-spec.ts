import { Redis } from 'ioredis';
import { RedisAdapter, RemoteMembershipError } from '../../../lib';
import { RedisNames } from '../../../lib/adapters/redis/redis-channels';
import { FakeNode, startFakeNode } from '../../helpers/rooms-node';
import { isPresence, MembershipNode, Subject } from '../../helpers/membership-node';
import { RedisServer } from '../../helpers/redis-server';
import { TcpProxy } from '../../helpers/tcp-proxy';
import { waitUntil } from '../../helpers/ws-test-client';

const KEY_PREFIX = 'membership:';
const HEARTBEAT_MS = 1000;
// A partition outlasts the TTL (1.5 heartbeats), then ioredis reconnects within its 2 s backoff cap.
const PARTITION_WAIT_MS = 10_000;

describe('RedisAdapter membership of connections on other nodes', () => {
  let redis: RedisServer;
  let a: MembershipNode;
  let b: MembershipNode;
  let roomCount = 0;
  const freshRoom = (): string => `room-${++roomCount}`;
  const adapterOptions = (url: string) => ({ url, keyPrefix: KEY_PREFIX, heartbeatIntervalMs: HEARTBEAT_MS });

  beforeAll(async () => {
    redis = await RedisServer.start();
    a = await MembershipNode.start(new RedisAdapter(adapterOptions(redis.url)));
    b = await MembershipNode.start(new RedisAdapter(adapterOptions(redis.url)));
  }, 30_000);

  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await redis?.dispose();
  });

  it("resolves rooms.join() of another node's connection once that node has joined it: a broadcast right after reaches it, 10 times of 10", async () => {
    const subject = await b.connect();

    for (let attempt = 1; attempt <= 10; attempt++) {
      const room = freshRoom();
      await a.rooms.join(subject.id, room);
      await a.rooms.to(room).send('said', { attempt });
      expect(await subject.client.nextEnvelope((envelope) => envelope.event === 'said')).toEqual({ event: 'said', data: { attempt } });
    }
  });

  it('joins a connection given as the object another node handed out, through that node', async () => {
    const subject = await b.connect();
    const room = freshRoom();

    await a.rooms.join(subject.connection, room);

    expect(await b.rooms.roomsOf(subject.connection)).toEqual([room]);
  });

  it("resolves rooms.leave() and rooms.leaveAll() of another node's connection once that node has applied them", async () => {
    const subject = await b.connect();
    const [red, blue] = [freshRoom(), freshRoom()];
    await a.rooms.join(subject.id, red);
    await a.rooms.join(subject.id, blue);

    await a.rooms.leave(subject.id, red);
    expect(await b.rooms.roomsOf(subject.connection)).toEqual([blue]);
    await a.rooms.leaveAll(subject.id);
    expect(await b.rooms.roomsOf(subject.connection)).toEqual([]);
  });

  describe('when the node holding the connection does not answer', () => {
    const silentNode = 'silent-node';
    let adapter: RedisAdapter;
    let fake: FakeNode;
    let probe: Redis;

    beforeEach(async () => {
      adapter = new RedisAdapter({ ...adapterOptions(redis.url), remoteMembershipTimeoutMs: 200 });
      fake = await startFakeNode(adapter);
      probe = new Redis(redis.url);
      await probe.set(new RedisNames(KEY_PREFIX).connection('far-away'), silentNode);
    });

    afterEach(async () => {
      await probe.del(new RedisNames(KEY_PREFIX).connection('far-away'));
      probe.disconnect();
      await adapter.close();
    });

    it('rejects rooms.join() after the timeout with an error naming the connection and the node', async () => {
      const listener = probe.duplicate();
      try {
        await listener.subscribe(new RedisNames(KEY_PREFIX).nodeChannel(silentNode)); // it hears the join and never answers

        const joining = fake.node.join('far-away', 'lobby');

        await expect(joining).rejects.toThrow(RemoteMembershipError);
        await expect(joining).rejects.toThrow(`join of connection far-away: node ${silentNode} did not acknowledge it within 200 ms`);
      } finally {
        listener.disconnect();
      }
    });

    it('rejects rooms.join() at once when no node listens for that connection', async () => {
      await expect(fake.node.join('far-away', 'lobby')).rejects.toThrow(`join of connection far-away: node ${silentNode} is not listening`);
    });
  });

  it('refuses presence metadata that JSON cannot hold before anything changes, and keeps a copy of the rest', async () => {
    const subject = await a.connect();
    const [refused, kept] = [freshRoom(), freshRoom()];
    const meta: Record<string, unknown> = { name: 'ada' };

    await expect(a.rooms.join(subject.connection, refused, { presence: { big: 1n } })).rejects.toThrow(TypeError);
    await a.rooms.join(subject.connection, kept, { presence: meta });
    meta.big = 1n; // changed by the application after the join: neither its leave nor a resync may break on it

    expect(await a.rooms.roomsOf(subject.connection)).toEqual([kept]);
    expect(await b.rooms.presence(kept)).toEqual([{ id: subject.id, meta: { name: 'ada' } }]);
    await a.closeAndForget(subject, kept);
    expect(await b.rooms.presence(kept)).toEqual([]);
  });

  it("rejects rooms.join() of a connection it cannot look up while Redis is unreachable, instead of dropping it", async () => {
    const unreachable = await RedisServer.start();
    await unreachable.stop();
    const adapter = new RedisAdapter({ ...adapterOptions(unreachable.url), connectTimeoutMs: 50 });
    try {
      const { node } = await startFakeNode(adapter);

      await expect(node.join('elsewhere', 'lobby')).rejects.toThrow('join of connection elsewhere: Redis is unreachable, so the node holding it is unknown');
    } finally {
      await adapter.close();
      await unreachable.dispose();
    }
  });

  it('announces again the presence of a node cut off past its TTL when it comes back, as presence() lists it again', async () => {
    const proxy = await TcpProxy.start(redis.port);
    const cutOff = await MembershipNode.start(new RedisAdapter(adapterOptions(`redis://127.0.0.1:${proxy.port}`)));
    try {
      const room = freshRoom();
      const watcher = await a.connect();
      await a.rooms.join(watcher.connection, room);
      const subject: Subject = await cutOff.connect();
      await cutOff.rooms.join(subject.connection, room, { presence: { name: 'far' } });
      await watcher.client.nextEnvelope(isPresence('join', subject.id, room), 'the first join');

      proxy.cut();
      await watcher.client.nextEnvelope(isPresence('leave', subject.id, room), 'the leave when the cut-off node is reaped', PARTITION_WAIT_MS);
      expect(await a.rooms.presence(room)).toEqual([]);
      proxy.restore();

      await watcher.client.nextEnvelope(isPresence('join', subject.id, room), 'the join when the node is back', PARTITION_WAIT_MS);
      expect(await a.rooms.presence(room)).toEqual([{ id: subject.id, meta: { name: 'far' } }]);
      await cutOff.closeAndForget(subject, room);
      await watcher.client.nextEnvelope(isPresence('leave', subject.id, room), 'the leave at close');
      await waitUntil(async () => (await a.rooms.presence(room)).length === 0, () => 'presence still lists the closed connection');
      await watcher.client.close();
    } finally {
      await cutOff.stop();
      await proxy.stop();
    }
  }, 4 * PARTITION_WAIT_MS);
});
