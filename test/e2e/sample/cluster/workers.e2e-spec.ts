// `WORKERS=2 npm start`: one primary, two workers sharing the port, their IpcAdapters relayed by
// the primary (docs/scaling.md, Cluster mode). The chat works across the workers, and GET /stats,
// answered by either worker, counts both. Node's cluster hands connections to the workers in turn
// (round-robin, the default but on Windows), so two clients connected one after the other sit on
// different workers; the test checks that they do before relying on it.
import { readFileSync } from 'node:fs';
import { Envelope, EnvelopeClient } from '../../../helpers/envelope-client';
import { retainedIn } from '../../../helpers/sample-suite';
import { getStats, httpUrl, SampleInstance, SampleStats, startSample, stopSample, wsUrl } from '../../../helpers/sample-instance';
import { waitUntil } from '../../../helpers/ws-test-client';

jest.setTimeout(60_000);

const WORKERS = 2;
const START_WAIT_MS = 30_000;
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

  it("resumes a /chat session saved by one worker on the other, with what was said meanwhile on that other worker, in order", async () => {
    const ada = await connect();
    const bob = await connect();
    await statsWith([1, 1]);
    const { id: session } = (await bob.next('$session')).data as { id: string };
    await ada.request('join', { room: 'resume', name: 'ada' });
    await bob.request('join', { room: 'resume', name: 'bob' });
    await ada.next('joined');
    ada.send('say', { room: 'resume', text: 'before' });
    const lastSeen = (await bob.next('said')) as Envelope & { offset: number; epoch: string };

    bob.socket.terminate();
    await ada.next('left');
    for (const text of ['one', 'two', 'three']) ada.send('say', { room: 'resume', text });
    for (const text of ['one', 'two', 'three']) await ada.next(isSaid(text));
    const back = await connect();
    await statsWith([0, 2]); // on ada's worker: bob's saved the session, ada's published
    const reply = await back.request('$resume', { session, rooms: { 'chat:resume': { offset: lastSeen.offset, epoch: lastSeen.epoch } } });

    expect(reply).toMatchObject({ data: { restored: true, rooms: { 'chat:resume': { recovered: true, replayed: 4 } } } });
    expect(back.unreadEnvelopes()).toEqual([
      { event: '$session', data: { id: expect.any(String) } },
      { event: 'left', data: { room: 'resume', name: 'bob' }, ...retainedIn('resume') },
      ...['one', 'two', 'three'].map((text) => ({ event: 'said', data: { room: 'resume', from: 'ada', text, at: expect.any(String) }, ...retainedIn('resume') })),
    ]);
    back.send('say', { room: 'resume', text: 'back again' });
    expect(await ada.next(isSaid('back again'))).toMatchObject({ data: { from: 'bob' }, offset: lastSeen.offset + 5, epoch: lastSeen.epoch });
  });

  it('forks a worker that was killed again, logged, and serves across both workers after it', async () => {
    const { pid } = running().child;
    const workers = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ').map(Number);
    expect(workers).toHaveLength(WORKERS);

    process.kill(workers[0], 'SIGKILL');

    await waitUntil(
      () => /worker (\d+) exited \(code null, signal SIGKILL\); restarted as worker (\d+)/.test(running().output()),
      () => `no restart logged:\n${running().output().slice(-2000)}`,
    );
    const [, dead, replacement] = /worker (\d+) exited \(code null, signal SIGKILL\); restarted as worker (\d+)/.exec(running().output()) ?? [];
    expect(Number(dead)).toBe(workers[0]);
    await waitUntil(
      () => running().output().split(`listening on http://localhost:${running().port}`).length - 1 === WORKERS + 1,
      () => `worker ${replacement} did not listen`,
      START_WAIT_MS, // it compiles the app first, as at start
    );
    const alice = await connect();
    const bob = await connect();
    await statsWith([1, 1]);
    await alice.request('join', { room: 'after-restart', name: 'alice' });
    await bob.request('join', { room: 'after-restart', name: 'bob' });
    alice.send('say', { room: 'after-restart', text: 'still here' });
    await bob.next(isSaid('still here'));
  });
});
