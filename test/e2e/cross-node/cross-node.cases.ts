// The cross-node cases every broker must pass, defined once and run on each (Redis:
// test/e2e/redis/redis.adapter.e2e-spec.ts; the IPC broker of a cluster:
// test/e2e/ipc/ipc.cross-node.e2e-spec.ts): broadcasts exactly once and in order, `except`, direct
// and tag sends, remote joins, the same members and presence on every node, presence events, and
// resume from another node. Nodes are ClusterNode processes; the suite starts them.
import { NodeInfo, PresenceMember } from '../../../lib';
import { ClusterNode } from '../../fixtures/redis/cluster-node.process';
import { ClusterMember, connectMember, copies, flushRoom, isEvent, isPresence, joinRoom } from '../../helpers/cluster-member';
import { TestEnvelope, waitUntil, WsTestClient } from '../../helpers/ws-test-client';

type Member = ClusterMember;

/** Members of the suite's nodes, closed after each test. */
export class Members {
  private open: Member[] = [];
  private roomCount = 0;

  constructor(private readonly nodes: () => readonly ClusterNode[]) {
    afterEach(async () => {
      await Promise.all(this.open.map(({ client }) => client.close().catch(() => client.terminate())));
      this.open = [];
    });
  }

  freshRoom(prefix = 'room'): string {
    return `${prefix}-${++this.roomCount}-${Math.random().toString(36).slice(2, 8)}`;
  }

  /** A member of the node's /cluster gateway, or of /resume (no connection id asked: that gateway has no whoami). */
  async connect(node: ClusterNode, path = '/cluster'): Promise<Member> {
    const member = path === '/cluster' ? await connectMember(node) : await this.connectResuming(node, path);
    this.open.push(member);
    return member;
  }

  async join(member: Member, room: string, name?: string): Promise<void> {
    await joinRoom(member, room, name);
  }

  private async connectResuming(node: ClusterNode, path: string): Promise<Member> {
    const client = await WsTestClient.connect(node.wsUrl(path));
    const received: TestEnvelope[] = [];
    client.socket.on('message', (data) => received.push(JSON.parse(String(data)) as TestEnvelope));
    return { client, id: '', node, received };
  }

  /** Every node broadcasts a marker to the room and every member waits for all of them (flushRoom). */
  flush(room: string, members: readonly Member[], through: readonly ClusterNode[] = this.nodes()): Promise<void> {
    return flushRoom(room, members, through);
  }
}

/** Defines the shared cases in the caller's describe; `nodes()` gives its running nodes (two or more, started with `history: true`). */
export function crossNodeCases(nodes: () => readonly ClusterNode[], members: Members): void {
  const first = (): ClusterNode => nodes()[0];
  const second = (): ClusterNode => nodes()[1];
  const last = (): ClusterNode => nodes()[nodes().length - 1];

  it('delivers room broadcasts to every member on every node exactly once, in the order each node sent them', async () => {
    const room = members.freshRoom();
    const all = [];
    for (const node of nodes()) all.push(await members.connect(node), await members.connect(node));
    for (const member of all) await members.join(member, room);
    const texts = Array.from({ length: 20 }, (_, i) => `hello ${i}`);

    for (const text of texts) await second().post('/broadcast', { rooms: [room], event: 'said', data: { text } });
    await members.flush(room, all);

    for (const member of all) expect(member.received.filter(isEvent('said')).map(({ data }) => (data as { text: string }).text)).toEqual(texts);
  });

  it('delivers a broadcast to several rooms once to a member of more than one', async () => {
    const [red, blue] = [members.freshRoom(), members.freshRoom()];
    const both = await members.connect(last());
    const redOnly = await members.connect(second());
    const blueOnly = await members.connect(first());
    await members.join(both, red);
    await members.join(both, blue);
    await members.join(redOnly, red);
    await members.join(blueOnly, blue);

    await first().post('/broadcast', { rooms: [red, blue], event: 'said', data: { text: 'to both' } });

    for (const member of [both, redOnly, blueOnly]) await member.client.nextEnvelope(isEvent('said', 'to both'));
    await members.flush(red, [both, redOnly]);
    await members.flush(blue, [both, blueOnly]);
    expect(copies(both, 'said', 'to both')).toBe(1);
  });

  it('skips the excepted connections on every node', async () => {
    const room = members.freshRoom();
    const [a, b, c] = [await members.connect(first()), await members.connect(second()), await members.connect(last())];
    for (const member of [a, b, c]) await members.join(member, room);

    await first().post('/broadcast', { rooms: [room], event: 'said', data: { text: 'not for b or c' }, except: [b.id, c.id] });
    // A member's own `say` goes to the others: except(client) with the client on another node than them.
    expect((await c.client.request('say', { room, text: 'from c' })).data).toEqual({ sent: true });

    await a.client.nextEnvelope(isEvent('said', 'not for b or c'));
    await a.client.nextEnvelope(isEvent('said', 'from c'));
    await b.client.nextEnvelope(isEvent('said', 'from c'));
    await members.flush(room, [a, b, c]);
    expect([a, b, c].map((member) => copies(member, 'said', 'not for b or c'))).toEqual([1, 0, 0]);
    expect([a, b, c].map((member) => copies(member, 'said', 'from c'))).toEqual([1, 1, 0]);
  });

  it('sends to one connection on another node, and answers false for a connection no node has', async () => {
    const target = await members.connect(last());

    expect(await first().post('/connections/' + target.id, { event: 'direct', data: { text: 'just you' } })).toEqual({ delivered: true });
    expect(await target.client.nextEnvelope(isEvent('direct'))).toEqual({ event: 'direct', data: { text: 'just you' } });
    expect(await first().post('/connections/no-such-connection', { event: 'direct' })).toEqual({ delivered: false });
  });

  it('sends to a tag whose connections are on two nodes, not the sender', async () => {
    const phone = await members.connect(second());
    const laptop = await members.connect(last());
    const stranger = await members.connect(last());
    for (const member of [phone, laptop]) expect((await member.client.request('tag', { tag: 'user:ada' })).data).toEqual({ tag: 'user:ada' });
    const room = members.freshRoom();
    for (const member of [phone, laptop, stranger]) await members.join(member, room);

    await first().post('/tags/user:ada', { event: 'notification', data: { text: 'for ada' } });

    for (const member of [phone, laptop]) expect(await member.client.nextEnvelope(isEvent('notification'))).toEqual({ event: 'notification', data: { text: 'for ada' } });
    await members.flush(room, [phone, laptop, stranger]);
    expect([phone, laptop, stranger].map((member) => copies(member, 'notification', 'for ada'))).toEqual([1, 1, 0]);
  });

  it('joins a connection of another node to a room on its node', async () => {
    const room = members.freshRoom();
    const remote = await members.connect(last());
    const local = await members.connect(first());
    await members.join(local, room);

    await first().post(`/connections/${remote.id}/join`, { room });

    await waitUntil(
      async () => (await first().get<string[]>(`/rooms/${room}/members`)).length === 2,
      () => `${remote.id} did not appear in ${room}`,
    );
    await first().post('/broadcast', { rooms: [room], event: 'said', data: { text: 'welcome' } });
    expect(await remote.client.nextEnvelope(isEvent('said', 'welcome'))).toEqual({ event: 'said', data: { text: 'welcome' } });
    expect(await second().get<string[]>(`/connections/${remote.id}/rooms`)).toEqual([room]);
  });

  it('lists the same members, rooms and presence on every node', async () => {
    const room = members.freshRoom();
    const ada = await members.connect(first());
    const bob = await members.connect(second());
    const quiet = await members.connect(last());
    await members.join(ada, room, 'ada');
    await members.join(bob, room, 'bob');
    await members.join(quiet, room);

    const expectedPresence: PresenceMember[] = [
      { id: ada.id, meta: { name: 'ada' } },
      { id: bob.id, meta: { name: 'bob' } },
    ].sort((a, b) => a.id.localeCompare(b.id));
    for (const node of nodes()) {
      expect(await node.get<string[]>(`/rooms/${room}/members`)).toEqual([ada.id, bob.id, quiet.id].sort());
      expect(await node.get<PresenceMember[]>(`/rooms/${room}/presence`)).toEqual(expectedPresence);
      expect(await node.get<string[]>('/rooms')).toContain(room);
      expect(await node.get<string[]>(`/connections/${bob.id}/rooms`)).toEqual([room]);
    }
  });

  it('counts connections per node and in total, the same on every node', async () => {
    // Connections of earlier tests leave the store after their disconnect hooks: wait until none is left over.
    await waitUntil(
      async () => {
        const { nodes: seen } = await first().get<{ nodes: NodeInfo[] }>('/nodes');
        const local = await Promise.all(nodes().map((node) => node.get<{ connections: number }>('/self')));
        return nodes().every((node, i) => seen.find(({ id }) => id === node.nodeId)?.connections === local[i].connections);
      },
      () => 'the connection counts did not settle',
    );
    const before = await first().get<{ nodes: NodeInfo[]; total: number }>('/nodes');
    await members.connect(first());
    await members.connect(last());
    await members.connect(last());

    const expected = Object.fromEntries(before.nodes.map((node) => [node.id, node.connections]));
    expected[first().nodeId] += 1;
    expected[last().nodeId] += 2;
    for (const node of nodes()) {
      const { nodes: seen, total } = await node.get<{ nodes: NodeInfo[]; total: number }>('/nodes');
      expect(Object.fromEntries(seen.map((info) => [info.id, info.connections]))).toEqual(expected);
      expect(seen.filter((info) => info.isSelf).map((info) => info.id)).toEqual([node.nodeId]);
      expect(total).toBe(before.total + 3);
    }
  });

  it('tells members on every node when a member with presence joins, leaves or disconnects', async () => {
    const room = members.freshRoom();
    const watchers = [await members.connect(first()), await members.connect(second())];
    for (const watcher of watchers) await members.join(watcher, room);
    const carol = await members.connect(last());
    const dave = await members.connect(last());

    await members.join(carol, room, 'carol');
    await members.join(dave, room, 'dave');
    for (const watcher of watchers) {
      expect(await watcher.client.nextEnvelope(isPresence('join', carol.id))).toEqual({ event: 'presence', data: { room, action: 'join', id: carol.id, meta: { name: 'carol' } } });
      await watcher.client.nextEnvelope(isPresence('join', dave.id));
    }

    expect((await carol.client.request('leave', { room })).data).toEqual({ room });
    await dave.client.close();
    for (const watcher of watchers) {
      expect(await watcher.client.nextEnvelope(isPresence('leave', carol.id))).toEqual({ event: 'presence', data: { room, action: 'leave', id: carol.id, meta: { name: 'carol' } } });
      await watcher.client.nextEnvelope(isPresence('leave', dave.id));
    }
    for (const node of nodes()) expect(await node.get<PresenceMember[]>(`/rooms/${room}/presence`)).toEqual([]);
  });

  it('resumes a session on another node with what was published meanwhile, in order, then live ones, without a duplicate', async () => {
    const room = members.freshRoom('h:resume');
    const numbers = (member: Member): unknown[] => member.received.filter(isEvent('n')).map(({ data }) => (data as { text: number }).text);
    const dropped = await members.connect(first(), '/resume');
    const session = ((await dropped.client.nextEnvelope(isEvent('$session'))).data as { id: string }).id;
    await members.join(dropped, room);
    // Sent one by one: the last one seen is the newest.
    for (const n of [1, 2]) await second().post('/broadcast', { rooms: [room], event: 'n', data: { text: n } });
    const lastSeen = (await dropped.client.nextEnvelope(isEvent('n', 2))) as TestEnvelope & { offset: number; epoch: string };

    dropped.client.terminate();
    for (let n = 3; n <= 100; n++) await second().post('/broadcast', { rooms: [room], event: 'n', data: { text: n } });
    const back = await members.connect(last(), '/resume');
    const reply = await back.client.request('$resume', { session, rooms: { [room]: { offset: lastSeen.offset, epoch: lastSeen.epoch } } });
    await first().post('/broadcast', { rooms: [room], event: 'n', data: { text: 101 } });
    await back.client.nextEnvelope(isEvent('n', 101));

    expect(reply.data).toMatchObject({ restored: true, rooms: { [room]: { recovered: true, replayed: 98, epoch: lastSeen.epoch, offset: lastSeen.offset + 98 } } });
    expect(numbers(back)).toEqual(Array.from({ length: 99 }, (_, i) => i + 3));
    expect(back.received.find(isEvent('n', 101))).toEqual({ event: 'n', data: { text: 101 }, room, offset: lastSeen.offset + 99, epoch: lastSeen.epoch });
  });
}
