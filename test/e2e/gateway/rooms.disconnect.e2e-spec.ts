import { isPresence, MembershipNode, Subject } from '../../helpers/membership-node';

describe('Rooms and the registry after a client closed (memory adapter)', () => {
  let node: MembershipNode;
  let roomCount = 0;
  const freshRoom = (): string => `room-${++roomCount}`;

  beforeAll(async () => {
    node = await MembershipNode.start();
  });

  afterAll(async () => {
    await node.stop();
  });

  /** A subject in `anchor`, closed and forgotten by the node, and a watcher still in `room`. */
  async function closedSubject(room: string): Promise<{ subject: Subject; watcher: Subject }> {
    const anchor = freshRoom();
    const watcher = await node.connect();
    await node.rooms.join(watcher.connection, room);
    const subject = await node.connect();
    await node.rooms.join(subject.connection, anchor);
    await node.closeAndForget(subject, anchor);
    return { subject, watcher };
  }

  it('joins nothing when rooms.join() completes after the client closed: no member, no presence, no event', async () => {
    const room = freshRoom();
    const { subject, watcher } = await closedSubject(room);

    await node.rooms.join(subject.connection, room, { presence: { name: 'late' } });
    await node.rooms.join(subject.id, room);

    expect(await node.rooms.members(room)).toEqual([watcher.id]);
    expect(await node.rooms.presence(room)).toEqual([]);
    expect(await node.rooms.roomsOf(subject.connection)).toEqual([]);
    await node.rooms.to(room).send('marker');
    await watcher.client.nextEnvelope((envelope) => envelope.event === 'marker');
    expect(watcher.received.filter(isPresence('join', subject.id, room))).toEqual([]);
    await watcher.client.close();
  });

  it('tags nothing when registry.tag() completes after the client closed: the closed connection is not kept', async () => {
    const room = freshRoom();
    const { subject, watcher } = await closedSubject(room);

    await node.registry.tag(subject.connection, 'user:1');

    expect(node.registry.tagged('user:1').map(({ id }) => id)).toEqual([]);
    await node.registry.sendToTag('user:1', 'for-user-1');
    expect(node.registry.footprint()).toEqual({ connections: 1, gateways: 1, tags: 0, taggedConnections: 0 });
    await watcher.client.close();
  });
});
