// The sample app as several instances sharing one Redis (standalone, Cluster or Sentinel, as the
// environment of each instance says): the chat, presence, HTTP pushes, /stats and resume work across
// them. Real processes of sample/src/main.ts (prom-client's global registry allows one app per process).
import { EnvelopeClient } from './envelope-client';
import { retainedIn } from './sample-suite';
import { getStats, httpUrl, SampleInstance, startSample, stopSample, wsUrl } from './sample-instance';

const STATS_WAIT_MS = 5000;

/** A Redis the instances share, and the environment that points the sample at it. */
export interface SharedRedis {
  env: Record<string, string>;
  dispose(): Promise<void>;
}

/** `count` instances (2 or more) of the sample on the Redis `startRedis` gives. */
export function describeSampleInstances(title: string, count: number, startRedis: () => Promise<SharedRedis>): void {
  describe(title, () => {
    let redis: SharedRedis | undefined;
    let started: SampleInstance[] = [];
    const clients: EnvelopeClient[] = [];

    beforeAll(async () => {
      redis = await startRedis();
      const env = redis.env;
      started = await Promise.all(Array.from({ length: count }, (_, index) => startSample(String.fromCharCode(65 + index), env)));
    }, 90_000);

    afterAll(async () => {
      await Promise.all(clients.map((client) => client.close()));
      await Promise.all(started.map((instance) => stopSample(instance)));
      await redis?.dispose();
    }, 30_000);

    /** The first, the second and the last instance (the last is the second when there are two). */
    const instances = (): [SampleInstance, SampleInstance, SampleInstance] => {
      if (started.length !== count) throw new Error('the instances did not start');
      return [started[0], started[1], started[count - 1]];
    };

    const connect = async (instance: SampleInstance): Promise<EnvelopeClient> => {
      const client = await EnvelopeClient.connect(wsUrl(instance, '/chat'));
      clients.push(client);
      return client;
    };

    it('carries join, say, presence, HTTP pushes and connection counts across the instances', async () => {
      const [nodeA, nodeB, last] = instances();
      const alice = await connect(nodeA);
      const bob = await connect(nodeB);

      // alice joins on A, then bob on B: bob's reply lists alice, and alice on A hears bob's arrival.
      expect(await alice.request('join', { room: 'lobby', name: 'alice' })).toEqual({ event: 'join', data: { room: 'lobby', members: ['alice'] }, id: 1 });
      const bobJoin = await bob.request('join', { room: 'lobby', name: 'bob' });
      expect(bobJoin).toMatchObject({ event: 'join', data: { room: 'lobby' }, id: 1 });
      expect([...(bobJoin.data as { members: string[] }).members].sort()).toEqual(['alice', 'bob']);
      expect(await alice.next((envelope) => envelope.event === 'joined' && (envelope.data as { name?: string }).name === 'bob')).toEqual({
        event: 'joined',
        data: { room: 'lobby', name: 'bob' },
        ...retainedIn('lobby'),
      });

      // say on A reaches bob on B.
      alice.send('say', { room: 'lobby', text: 'hello from A' });
      expect(await bob.next('said')).toEqual({ event: 'said', data: { room: 'lobby', from: 'alice', text: 'hello from A', at: expect.any(String) }, ...retainedIn('lobby') });
      expect(await alice.next('said')).toMatchObject({ event: 'said', data: { room: 'lobby', from: 'alice', text: 'hello from A' } });

      // POST /rooms/lobby/messages on the last instance reaches alice on A and bob on B.
      const posted = await fetch(httpUrl(last, '/rooms/lobby/messages'), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: 'from B' }),
        signal: AbortSignal.timeout(STATS_WAIT_MS),
      });
      expect(posted.status).toBe(202);
      expect(await posted.json()).toEqual({ room: 'lobby', members: 2 });
      expect(await alice.next('said')).toEqual({ event: 'said', data: { room: 'lobby', from: 'server', text: 'from B', at: expect.any(String) }, ...retainedIn('lobby') });
      expect(await bob.next('said')).toMatchObject({ event: 'said', data: { room: 'lobby', from: 'server', text: 'from B' } });

      // GET /stats on A: one connection of its own, two across both nodes.
      const stats = await getStats(nodeA);
      expect(stats.connections).toBe(1);
      expect(stats.total).toBe(2);
      expect(stats.nodes).toHaveLength(count);
    });

    it('resumes on the other instance a /chat client that dropped: the messages it missed, in order', async () => {
      const [nodeA, nodeB] = instances();
      const alice = await connect(nodeA);
      const bob = await connect(nodeB);
      const session = ((await bob.next('$session')).data as { id: string }).id;
      await alice.request('join', { room: 'resume', name: 'alice' });
      await bob.request('join', { room: 'resume', name: 'bob' });
      alice.send('say', { room: 'resume', text: 'before' });
      const { offset, epoch } = (await bob.next('said')) as { offset?: number; epoch?: string };

      bob.socket.terminate();
      await alice.next((envelope) => envelope.event === 'left' && (envelope.data as { name?: string }).name === 'bob');
      // The presence leave of bob's dropped connection travels apart from the chat's 'left' and may come after it: once alice
      // has it, every instance has announced it, so the resumed connection does not get it as a live event.
      await alice.next((envelope) => envelope.event === 'presence' && (envelope.data as { action?: string; meta?: { name?: string } }).action === 'leave' && (envelope.data as { meta?: { name?: string } }).meta?.name === 'bob');
      alice.send('say', { room: 'resume', text: 'while away' });
      await alice.next((envelope) => envelope.event === 'said' && (envelope.data as { text?: string }).text === 'while away');
      const back = await connect(nodeA);
      const reply = await back.request('$resume', { session, rooms: { 'chat:resume': { offset, epoch } } });

      expect(reply).toMatchObject({ data: { restored: true, rooms: { 'chat:resume': { recovered: true, replayed: 2 } } } });
      expect(back.unreadEnvelopes().filter((envelope) => envelope.event !== '$session')).toEqual([
        { event: 'left', data: { room: 'resume', name: 'bob' }, ...retainedIn('resume') },
        { event: 'said', data: { room: 'resume', from: 'alice', text: 'while away', at: expect.any(String) }, ...retainedIn('resume') },
      ]);
    });
  });
}
