// Sessions of open connections are kept alive in the backend (touched every sessionTtlMs / 3) while
// there is one: the timer starts with the first session and stops with the last, so nothing has to
// start or stop the history from outside (it is a plug-in on the session hooks).
import { JsonEventCodec } from '../../../lib/codec/json-event.codec';
import { resolveHistoryOptions } from '../../../lib/history/history-options.interface';
import { MemoryHistory } from '../../../lib/history/memory-history';
import { RetainedDelivery } from '../../../lib/history/retained-delivery';
import { RoomHistory } from '../../../lib/history/room-history.service';
import { RoomsNode } from '../../../lib/rooms/rooms-node';
import { LocalConnections } from '../../../lib/session/local-connections';
import { WsConnection } from '../../../lib/session/ws-connection';

const SESSION_TTL_MS = 3000;
const TOUCH_EVERY_MS = SESSION_TTL_MS / 3;

function setUp(): { history: RoomHistory; touched: string[][] } {
  const options = resolveHistoryOptions({ rooms: ['h:*'], sessionTtlMs: SESSION_TTL_MS });
  const delivery = new RetainedDelivery(new JsonEventCodec(), new LocalConnections());
  const backend = new MemoryHistory({ options, delivery }, () => []);
  const touched: string[][] = [];
  jest.spyOn(backend, 'touchSessions').mockImplementation(async (ids) => void touched.push([...ids]));
  return { history: new RoomHistory(options, backend, delivery, {} as RoomsNode), touched };
}

const connection = (id: string): WsConnection => ({ id, data: {}, send: () => true }) as unknown as WsConnection;

describe('RoomHistory keeping sessions alive', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('touches nothing and holds no timer while no connection has a session', async () => {
    const { touched } = setUp();

    await jest.advanceTimersByTimeAsync(10 * TOUCH_EVERY_MS);

    expect(touched).toEqual([]);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('touches the open sessions every sessionTtlMs / 3, one timer for all of them', async () => {
    const { history, touched } = setUp();
    history.opened(connection('c1'));
    history.opened(connection('c2'));

    expect(jest.getTimerCount()).toBe(1);
    await jest.advanceTimersByTimeAsync(2 * TOUCH_EVERY_MS);

    expect(touched).toHaveLength(2);
    expect(touched.every((ids) => ids.length === 2)).toBe(true);
  });

  it('stops with the last session closed, and starts again with the next one opened', async () => {
    const { history, touched } = setUp();
    history.opened(connection('c1'));
    history.opened(connection('c2'));
    await history.closed('c1');

    expect(jest.getTimerCount()).toBe(1);
    await history.closed('c2');
    expect(jest.getTimerCount()).toBe(0);
    await jest.advanceTimersByTimeAsync(10 * TOUCH_EVERY_MS);
    expect(touched).toEqual([]);

    history.opened(connection('c3'));
    await jest.advanceTimersByTimeAsync(TOUCH_EVERY_MS);
    expect(touched).toHaveLength(1);
    expect(touched[0]).toHaveLength(1);
  });
});
