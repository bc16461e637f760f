// What RoomHistory writes to the session store as a connection joins and leaves: one room per join
// or leave, not the whole session (a session of n rooms cost O(n²) over its joins: 8,000 joins of
// one /chat client held the event loop for 36 s).
import { JsonEventCodec } from '../../../lib/codec/json-event.codec';
import { SessionRecord, SessionWrite, StreamPosition } from '../../../lib/history/history-backend.interface';
import { resolveHistoryOptions } from '../../../lib/history/history-options.interface';
import { MemoryHistory } from '../../../lib/history/memory-history';
import { RetainedDelivery } from '../../../lib/history/retained-delivery';
import { RoomHistory } from '../../../lib/history/room-history.service';
import { LocalConnections } from '../../../lib/session/local-connections';
import { RoomsNode } from '../../../lib/rooms/rooms-node';
import { WsConnection } from '../../../lib/session/ws-connection';

const JOINS = 2000;

/** A MemoryHistory that counts the rooms each session write carries. */
class CountingHistory extends MemoryHistory {
  roomsWritten = 0;

  override saveSession(id: string, record: SessionRecord, ttlMs: number): Promise<SessionWrite> {
    this.roomsWritten += Object.keys(record.rooms).length;
    return super.saveSession(id, record, ttlMs);
  }

  override saveSessionRoom(id: string, room: string, position: StreamPosition | null | undefined, data: Record<string, unknown>, ttlMs: number): Promise<SessionWrite> {
    this.roomsWritten += 1;
    return super.saveSessionRoom(id, room, position, data, ttlMs);
  }
}

function setUp(): { history: RoomHistory; backend: CountingHistory; client: WsConnection; sessionId: () => string } {
  const options = resolveHistoryOptions({ rooms: ['h:*'] });
  const local = new LocalConnections();
  const delivery = new RetainedDelivery(new JsonEventCodec(), local);
  const backend = new CountingHistory({ options, delivery }, () => []);
  const history = new RoomHistory(options, backend, delivery, {} as RoomsNode);
  let announced = '';
  const client = { id: 'connection-1', data: { name: 'ada' }, send: (_event: string, data: { id: string }) => (announced = data.id) } as unknown as WsConnection;
  local.add(client);
  return { history, backend, client, sessionId: () => announced };
}

/** The join hook, with a node that joins at once. */
const join = (history: RoomHistory, room: string): Promise<void> => history.join('connection-1', room, () => Promise.resolve());

describe('RoomHistory session writes', () => {
  it(`writes one room per join: ${JOINS} joins write ${JOINS} rooms in all, whatever the session already holds`, async () => {
    const { history, backend, client } = setUp();
    history.opened(client);
    await history.ready(client);

    for (let i = 0; i < JOINS; i++) await join(history, i % 2 === 0 ? `h:${i}` : `plain:${i}`);

    expect(backend.roomsWritten).toBe(JOINS);
  });

  it('saves what the joins and leaves left, for the next connection to take', async () => {
    const { history, backend, client, sessionId } = setUp();
    history.opened(client);
    await history.ready(client);
    for (const room of ['h:a', 'plain:b', '__proto__', 'h:c']) await join(history, room);
    await history.left('connection-1', 'h:c');
    client.data = { name: 'grace' };
    await join(history, 'h:d');
    await history.closed('connection-1');

    const taken = await backend.takeSession(sessionId());

    expect(taken?.data).toEqual({ name: 'grace' });
    expect(Object.keys(taken?.rooms ?? {}).sort()).toEqual(['__proto__', 'h:a', 'h:d', 'plain:b']);
    expect(taken?.rooms['plain:b']).toBeNull();
    expect(taken?.rooms['h:a']).toEqual({ offset: 0, epoch: expect.any(String) });
  });
});
