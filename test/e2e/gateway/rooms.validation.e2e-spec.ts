import { ConnectionRegistry, Rooms, WsConnection } from '../../../lib';
import { isPresence, MembershipNode, Subject } from '../../helpers/membership-node';

/** A public call given one bad argument, and the start of the TypeError it must throw. */
interface BoundaryCase {
  call: string;
  message: string | RegExp;
  run(rooms: Rooms, registry: ConnectionRegistry, connection: WsConnection, bad: unknown): unknown;
}

const bad = <T>(value: unknown): T => value as T;

const CASES: BoundaryCase[] = [
  { call: 'rooms.join(connection, bad)', message: 'rooms.join(): room must be', run: (rooms, _, c, v) => rooms.join(c, bad(v)) },
  { call: 'rooms.join(bad, room)', message: 'rooms.join(): connection must be', run: (rooms, _, _c, v) => rooms.join(bad(v), 'lobby') },
  { call: 'rooms.leave(connection, bad)', message: 'rooms.leave(): room must be', run: (rooms, _, c, v) => rooms.leave(c, bad(v)) },
  { call: 'rooms.leave(bad, room)', message: 'rooms.leave(): connection must be', run: (rooms, _, _c, v) => rooms.leave(bad(v), 'lobby') },
  { call: 'rooms.leaveAll(bad)', message: 'rooms.leaveAll(): connection must be', run: (rooms, _, _c, v) => rooms.leaveAll(bad(v)) },
  { call: 'rooms.members(bad)', message: 'rooms.members(): room must be', run: (rooms, _, _c, v) => rooms.members(bad(v)) },
  { call: 'rooms.presence(bad)', message: 'rooms.presence(): room must be', run: (rooms, _, _c, v) => rooms.presence(bad(v)) },
  { call: 'rooms.roomsOf(bad)', message: 'rooms.roomsOf(): connection must be', run: (rooms, _, _c, v) => rooms.roomsOf(bad(v)) },
  { call: 'rooms.to(bad)', message: /^rooms\.to\(\): (each of )?room must be/, run: (rooms, _, _c, v) => rooms.to(bad(v)) },
  { call: "rooms.to(['lobby', bad])", message: 'rooms.to(): each of room must be', run: (rooms, _, _c, v) => rooms.to(['lobby', bad(v)]) },
  { call: "rooms.to('lobby').to(bad)", message: /^broadcast\.to\(\): (each of )?room must be/, run: (rooms, _, _c, v) => rooms.to('lobby').to(bad(v)) },
  { call: "rooms.to('lobby').except(bad)", message: 'broadcast.except(): connection must be', run: (rooms, _, _c, v) => rooms.to('lobby').except(bad(v)) },
  { call: 'registry.tag(connection, bad)', message: 'registry.tag(): tag must be', run: (_, registry, c, v) => registry.tag(c, bad(v)) },
  { call: 'registry.tag(bad, tag)', message: 'registry.tag(): connection must be', run: (_, registry, _c, v) => registry.tag(bad(v), 'user:1') },
  { call: 'registry.untag(connection, bad)', message: 'registry.untag(): tag must be', run: (_, registry, c, v) => registry.untag(c, bad(v)) },
  { call: 'registry.tagged(bad)', message: 'registry.tagged(): tag must be', run: (_, registry, _c, v) => registry.tagged(bad(v)) },
  { call: 'registry.get(bad)', message: 'registry.get(): id must be', run: (_, registry, _c, v) => registry.get(bad(v)) },
  { call: 'registry.send(bad, event)', message: 'registry.send(): connectionId must be', run: (_, registry, _c, v) => registry.send(bad(v), 'hello') },
  { call: 'registry.sendToTag(bad, event)', message: 'registry.sendToTag(): tag must be', run: (_, registry, _c, v) => registry.sendToTag(bad(v), 'hello') },
  { call: 'registry.ofGateway(bad)', message: 'registry.ofGateway(): gateway must be', run: (_, registry, _c, v) => registry.ofGateway(bad(v)) },
  // Without an event no client can dispatch the envelope: `{"data":…}` went to every member.
  { call: "rooms.to('lobby').send(bad)", message: 'broadcast.send(): event must be', run: (rooms, _, _c, v) => rooms.to('lobby').send(bad(v)) },
  { call: 'registry.send(id, bad)', message: 'registry.send(): event must be', run: (_, registry, c, v) => registry.send(c.id, bad(v)) },
  { call: 'registry.sendToTag(tag, bad)', message: 'registry.sendToTag(): event must be', run: (_, registry, _c, v) => registry.sendToTag('user:1', bad(v)) },
];

const BAD_VALUES: [string, unknown][] = [
  ['undefined', undefined],
  ['null', null],
  ['an empty string', ''],
  ['a number', 42],
  ['an object', { room: 'lobby' }],
  ['an array', [42]],
];

describe('Rooms and ConnectionRegistry at their boundary', () => {
  let node: MembershipNode;
  let subject: Subject;

  beforeAll(async () => {
    node = await MembershipNode.start();
    subject = await node.connect();
  });

  afterAll(async () => {
    await node.stop();
  });

  describe.each(BAD_VALUES)('given %s', (_label, value) => {
    it.each(CASES.map((boundary) => [boundary.call, boundary] as const))('%s throws a TypeError naming the argument', (_call, boundary) => {
      expect(() => boundary.run(node.rooms, node.registry, subject.connection, value)).toThrow(TypeError);
      expect(() => boundary.run(node.rooms, node.registry, subject.connection, value)).toThrow(boundary.message);
    });
  });

  it('rejects presence metadata that is not an object, and joins nothing', () => {
    expect(() => node.rooms.join(subject.connection, 'lobby', { presence: bad('ada') })).toThrow('rooms.join(): options.presence must be an object, got "ada"');
  });

  it('leaves nothing when rooms.join() fails on presence metadata the codec cannot encode', async () => {
    const room = 'unencodable';

    await expect(node.rooms.join(subject.connection, room, { presence: { big: 1n } })).rejects.toThrow(TypeError);

    expect(await node.rooms.members(room)).toEqual([]);
    expect(await node.rooms.presence(room)).toEqual([]);
    expect(await node.rooms.roomsOf(subject.connection)).toEqual([]);
  });

  it("announces every other room's leave when one room's presence can no longer be encoded at disconnect", async () => {
    const watcher = await node.connect();
    const leaving = await node.connect();
    const meta: Record<string, unknown> = { name: 'leaving' };
    for (const room of ['first', 'second', 'third']) {
      await node.rooms.join(watcher.connection, room);
      await node.rooms.join(leaving.connection, room, { presence: room === 'first' ? meta : { name: 'leaving' } });
    }
    meta.big = 1n; // the application changed the metadata it gave: its leave event cannot be encoded any more

    await node.closeAndForget(leaving, 'third');

    for (const room of ['second', 'third']) await watcher.client.nextEnvelope(isPresence('leave', leaving.id, room), `the leave of ${room}`);
    for (const room of ['first', 'second', 'third']) {
      expect(await node.rooms.members(room)).toEqual([watcher.id]);
      expect(await node.rooms.presence(room)).toEqual([]);
    }
    await watcher.client.close();
  });
});
