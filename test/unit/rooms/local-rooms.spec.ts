import { LocalRooms } from '../../../lib/rooms/local-rooms';
import { LocalConnections } from '../../../lib/session/local-connections';
import { WsConnection } from '../../../lib/session/ws-connection';
import { ReadyState } from '../../../lib/transport/connection';

/** LocalRooms over fake connections that record the frame objects written to them. */
function roomsWith(connections: Record<string, ReadyState>): { rooms: LocalRooms; local: LocalConnections; written: Map<string, Buffer[]> } {
  const local = new LocalConnections();
  const written = new Map<string, Buffer[]>();
  for (const [id, readyState] of Object.entries(connections)) {
    written.set(id, []);
    local.add({ id, readyState, sendFrame: (frame: Buffer) => written.get(id)?.push(frame) } as unknown as WsConnection);
  }
  return { rooms: new LocalRooms(local), local, written };
}

describe('LocalRooms', () => {
  const frame = Buffer.from([0x81, 0x00]);

  it('keeps rooms and tags apart: a room and a tag of the same name are two groups', () => {
    const { rooms, written } = roomsWith({ c1: ReadyState.Open, c2: ReadyState.Open });
    rooms.rooms.add('ada', 'c1');
    rooms.tags.add('ada', 'c2');

    rooms.deliver('room', ['ada'], frame, new Set());
    rooms.deliver('tag', ['ada'], frame, new Set());

    expect([written.get('c1'), written.get('c2')]).toEqual([[frame], [frame]]);
    expect(rooms.groups('room')).toBe(rooms.rooms);
    expect(rooms.groups('tag')).toBe(rooms.tags);
  });

  it('owns a connection from its open until the leaveAll() after its close', () => {
    const { rooms, local } = roomsWith({ c1: ReadyState.Open });
    const connection = local.get('c1') as WsConnection;
    expect([rooms.isOwned('c1'), rooms.isClosing('c1'), rooms.owned()]).toEqual([true, false, ['c1']]);

    local.delete(connection);
    rooms.markClosing('c1');
    expect([rooms.isOwned('c1'), rooms.isClosing('c1'), rooms.owned()]).toEqual([true, true, ['c1']]);

    rooms.forget('c1');
    expect([rooms.isOwned('c1'), rooms.isClosing('c1'), rooms.owned()]).toEqual([false, false, []]);
    expect(rooms.isOwned('never-here')).toBe(false);
  });

  it('writes to one connection only while it is open here', () => {
    const { rooms, written } = roomsWith({ open: ReadyState.Open, closing: ReadyState.Closing });

    expect([rooms.deliverTo('open', frame), rooms.deliverTo('closing', frame), rooms.deliverTo('elsewhere', frame)]).toEqual([true, false, false]);
    expect([written.get('open'), written.get('closing')]).toEqual([[frame], []]);
  });

  it('holds nothing once every member has left and every closed connection is forgotten', () => {
    const { rooms } = roomsWith({ c1: ReadyState.Open });
    rooms.rooms.add('lobby', 'c1', { name: 'ada' });
    rooms.tags.add('user:ada', 'c1');
    rooms.markClosing('c1');
    expect(rooms.footprint()).toEqual({ rooms: 1, connectionsInRooms: 1, presenceRooms: 1, tags: 1, taggedConnections: 1, closing: 1 });

    rooms.rooms.remove('lobby', 'c1');
    rooms.tags.remove('user:ada', 'c1');
    rooms.forget('c1');

    expect(rooms.footprint()).toEqual({ rooms: 0, connectionsInRooms: 0, presenceRooms: 0, tags: 0, taggedConnections: 0, closing: 0 });
  });
});
