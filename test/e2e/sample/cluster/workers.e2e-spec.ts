// `WORKERS=2 npm start`: one primary, two workers sharing the port, their IpcAdapters relayed by
// the primary (docs/scaling.md, Cluster mode). The chat works across the workers, and GET /stats,
// answered by either worker, counts both. Node's cluster hands connections to the workers in turn
// (round-robin, the default but on Windows), so two clients connected one after the other sit on
// different workers; the test checks that they do before relying on it.
import { EnvelopeClient } from '../../../helpers/envelope-client';
import { getStats, httpUrl, SampleInstance, SampleStats, startSample, stopSample, wsUrl } from '../../../helpers/sample-instance';
import { waitUntil } from '../../../helpers/ws-test-client';

jest.setTimeout(60_000);

const WORKERS = 2;
const isSaid = (text: string) => (envelope: { event: string; data?: unknown }) => envelope.event === 'said' && (envelope.data as { text?: unknown }).text === text;

describe('the sample app with WORKERS=2', () => {
  let sample: SampleInstance | undefined;
  const clients: EnvelopeClient[] = [];

  beforeAll(async () => {
    sample = await startSample('cluster', { WORKERS: String(WORKERS) }, WORKERS);
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });

  afterAll(async () => {
    await stopSample(sample);
  });

  const running = (): SampleInstance => {
    if (!sample) throw new Error('the sample did not start');
    return sample;
  };

  const connect = async (): Promise<EnvelopeClient> => {
    const client = await EnvelopeClient.connect(wsUrl(running(), '/chat'));
    clients.push(client);
    return client;
  };

  /** Waits until /stats (from whichever worker answers) counts `perWorker` connections on each worker. */
  async function statsWith(perWorker: number[]): Promise<SampleStats> {
    let stats: SampleStats | undefined;
    await waitUntil(
      async () => {
        stats = await getStats(running());
        return JSON.stringify(stats.nodes.map(({ connections }) => connections).sort()) === JSON.stringify(perWorker);
      },
      () => `GET /stats never counted ${JSON.stringify(perWorker)} per worker: ${JSON.stringify(stats)}`,
    );
    return stats as SampleStats;
  }

  it('reports workers: 2 in GET /stats, with the connections and rooms of both workers in its totals', async () => {
    const [alice, bob, carol] = [await connect(), await connect(), await connect()];
    await alice.request('join', { room: 'one', name: 'alice' });
    await bob.request('join', { room: 'two', name: 'bob' });
    await carol.request('join', { room: 'two', name: 'carol' });

    const stats = await statsWith([1, 2]);
    expect(stats).toMatchObject({ workers: WORKERS, total: 3, rooms: 2 });
    expect(stats.nodes.filter(({ isSelf }) => isSelf)).toHaveLength(1);
  });

  it('carries joins, presence, says in order exactly once, and HTTP pushes across the workers', async () => {
    const alice = await connect();
    const bob = await connect();
    await statsWith([1, 1]); // one on each worker

    await alice.request('join', { room: 'lobby', name: 'alice' });
    const bobJoin = await bob.request('join', { room: 'lobby', name: 'bob' });
    expect([...(bobJoin.data as { members: string[] }).members].sort()).toEqual(['alice', 'bob']);
    await alice.next((envelope) => envelope.event === 'joined' && (envelope.data as { name?: string }).name === 'bob');

    const texts = ['first', 'second', 'third'];
    for (const text of texts) alice.send('say', { room: 'lobby', text });
    for (const text of texts) expect(await bob.next('said')).toMatchObject({ data: { from: 'alice', text } });

    const posted = await fetch(httpUrl(running(), '/rooms/lobby/messages'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'pushed' }),
      signal: AbortSignal.timeout(5000),
    });
    expect(posted.status).toBe(202);
    await alice.next(isSaid('pushed'));
    await bob.next(isSaid('pushed'));
    await bob.settle();
    expect(bob.unreadEnvelopes('said')).toEqual([]); // nothing came twice

    bob.socket.terminate();
    expect(await alice.next('left')).toMatchObject({ data: { room: 'lobby', name: 'bob' } });
  });
});
