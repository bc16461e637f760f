// Issue 18: the sample app as three instances with NATS_URL set behaves as one: rooms, presence,
// HTTP pushes and /stats (no history: chat messages carry no position); with REDIS_URL too, presence
// and history in Redis, and the shared sample suite (test/helpers/sample-redis-suite.ts) with resume
// on another instance. Real processes of sample/src/main.ts, a real nats-server and redis-server.
import { EnvelopeClient } from '../../helpers/envelope-client';
import { NatsServer } from '../../helpers/nats-server';
import { RedisServer } from '../../helpers/redis-server';
import { describeSampleInstances } from '../../helpers/sample-redis-suite';
import { getStats, httpUrl, SampleInstance, startSample, stopSample, wsUrl } from '../../helpers/sample-instance';
import { waitUntil } from '../../helpers/ws-test-client';

const HTTP_WAIT_MS = 5000;

jest.setTimeout(60_000);

describe('the sample app as three instances sharing NATS_URL', () => {
  let nats: NatsServer | undefined;
  let instances: SampleInstance[] = [];
  const clients: EnvelopeClient[] = [];

  beforeAll(async () => {
    nats = await NatsServer.start();
    const env = { NATS_URL: nats.url };
    instances = await Promise.all(['A', 'B', 'C'].map((name) => startSample(name, env)));
    // Each instance has heard the two others before the test asks across them.
    for (const instance of instances) await waitUntil(async () => (await getStats(instance)).nodes.length === 3, () => `${instance.name} did not hear the others`);
  });

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await Promise.all(instances.map((instance) => stopSample(instance)));
    await nats?.dispose();
  });

  const connect = async (instance: SampleInstance): Promise<EnvelopeClient> => {
    const client = await EnvelopeClient.connect(wsUrl(instance, '/chat'));
    clients.push(client);
    return client;
  };

  const namedEvent =
    (event: string, name: string) =>
    (envelope: { event: string; data?: unknown }): boolean =>
      envelope.event === event && (envelope.data as { name?: string }).name === name;

  it('carries join, say, presence, leave, HTTP pushes and connection counts across the instances', async () => {
    const [a, b, c] = instances;
    const alice = await connect(a);
    const bob = await connect(b);
    const carol = await connect(c);

    expect(await alice.request('join', { room: 'lobby', name: 'alice' })).toEqual({ event: 'join', data: { room: 'lobby', members: ['alice'] }, id: 1 });
    expect(await bob.request('join', { room: 'lobby', name: 'bob' })).toMatchObject({ event: 'join', data: { room: 'lobby' }, id: 1 });
    const carolJoin = await carol.request('join', { room: 'lobby', name: 'carol' });
    // Presence asked on C lists the members held by A and B.
    expect([...(carolJoin.data as { members: string[] }).members].sort()).toEqual(['alice', 'bob', 'carol']);
    expect(await alice.next(namedEvent('joined', 'bob'))).toEqual({ event: 'joined', data: { room: 'lobby', name: 'bob' } });
    expect(await alice.next(namedEvent('joined', 'carol'))).toEqual({ event: 'joined', data: { room: 'lobby', name: 'carol' } });

    // say on B reaches every member: alice on A, carol on C, and bob himself.
    bob.send('say', { room: 'lobby', text: 'hello from B' });
    for (const member of [alice, bob, carol]) {
      expect(await member.next('said')).toEqual({ event: 'said', data: { room: 'lobby', from: 'bob', text: 'hello from B', at: expect.any(String) } });
    }

    // POST /rooms/lobby/messages on C reaches every member; the reply counts the members on every instance.
    const posted = await fetch(httpUrl(c, '/rooms/lobby/messages'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'from C' }),
      signal: AbortSignal.timeout(HTTP_WAIT_MS),
    });
    expect(posted.status).toBe(202);
    expect(await posted.json()).toEqual({ room: 'lobby', members: 3 });
    for (const member of [alice, bob, carol]) expect(await member.next('said')).toMatchObject({ event: 'said', data: { room: 'lobby', from: 'server', text: 'from C' } });

    // GET /stats on every instance: one connection of its own, three across the three.
    for (const instance of instances) {
      const stats = await getStats(instance);
      expect(stats).toMatchObject({ connections: 1, total: 3 });
      expect(stats.nodes.map(({ connections }) => connections)).toEqual([1, 1, 1]);
    }

    // carol leaves by closing: alice and bob hear it, and the room counts two on every instance.
    await carol.close();
    for (const member of [alice, bob]) expect(await member.next(namedEvent('left', 'carol'))).toEqual({ event: 'left', data: { room: 'lobby', name: 'carol' } });
    await waitUntil(async () => (await getStats(a)).total === 2, () => 'carol is still counted');
    expect(alice.unreadEnvelopes().filter((envelope) => envelope.event === 'said')).toEqual([]);
  });
});

describeSampleInstances('the sample app as three instances sharing NATS_URL and REDIS_URL', 3, async () => {
  const [nats, redis] = await Promise.all([NatsServer.start(), RedisServer.start()]);
  return {
    env: { NATS_URL: nats.url, REDIS_URL: redis.url },
    dispose: async () => {
      await Promise.all([nats.dispose(), redis.dispose()]);
    },
  };
});
