// GET /stats (DESIGN.md, "Wire contract: the sample app"): counts from the ConnectionRegistry and Rooms.
import { setTimeout as delay } from 'node:timers/promises';
import { WAIT_MS } from '../../../helpers/envelope-client';
import { SampleStats, useSampleApp } from '../../../helpers/sample-suite';

const POLL_MS = 10;

describe('GET /stats', () => {
  const suite = useSampleApp();

  /**
   * The server notices a client's close a moment after the client does, so each test waits,
   * polling /stats, until the clients of the test before are gone.
   */
  beforeEach(async () => {
    const deadline = Date.now() + WAIT_MS;
    let stats: SampleStats = await suite.stats();
    while ((stats.connections > 0 || stats.rooms > 0) && Date.now() < deadline) {
      await delay(POLL_MS);
      stats = await suite.stats();
    }
    expect(stats).toMatchObject({ connections: 0, byGateway: {}, rooms: 0 });
  });

  it('reports the cluster view too: the total across nodes, each node, and the adapter state', async () => {
    await suite.connect('/chat');
    const stats = await suite.stats();

    expect(stats).toMatchObject({ connections: 1, total: 1, adapter: { isConnected: true } });
    expect(stats.nodes).toHaveLength(1);
  });

  it('reports no connections and no rooms while no client is connected', async () => {
    expect(await suite.stats()).toMatchObject({ connections: 0, byGateway: {}, rooms: 0 });
  });

  it('counts open ws connections in total and by gateway', async () => {
    await suite.connect('/chat');
    await suite.connect('/chat');
    await suite.connect('/bench');

    expect(await suite.stats()).toMatchObject({ connections: 3, byGateway: { ChatGateway: 2, BenchGateway: 1 }, rooms: 0 });
  });

  it('counts a room once however many members it has, and stops counting it when its last member leaves', async () => {
    const alice = await suite.joinChat('stats-a', 'alice');
    expect((await suite.stats()).rooms).toBe(1);
    const bob = await suite.joinChat('stats-a', 'bob');
    expect((await suite.stats()).rooms).toBe(1);
    await bob.request('join', { room: 'stats-b', name: 'bob' });
    expect((await suite.stats()).rooms).toBe(2);

    await bob.request('leave', { room: 'stats-b' });
    expect((await suite.stats()).rooms).toBe(1);
    await bob.request('leave', { room: 'stats-a' });
    await alice.request('leave', { room: 'stats-a' });

    expect(await suite.stats()).toMatchObject({ connections: 2, byGateway: { ChatGateway: 2 }, rooms: 0 });
  });

  it('stops counting a connection once it has closed', async () => {
    const alice = await suite.joinChat('stats-close', 'alice');
    const bob = await suite.joinChat('stats-close', 'bob');
    expect((await suite.stats()).connections).toBe(2);

    await bob.close();
    // The disconnect hook pushes `left` after the registry has dropped the connection.
    await alice.next('left');

    expect((await suite.stats()).connections).toBe(1);
    expect((await suite.stats()).byGateway).toEqual({ ChatGateway: 1 });
  });
});
