// RoomHistory.resume against the connection's close, step by step: an adapter whose joins the test
// completes by hand, so the close lands exactly between two of the resume's joins.
import { JsonEventCodec } from '../../../lib/codec/json-event.codec';
import { resolveHistoryOptions } from '../../../lib/history/history-options.interface';
import { MemoryHistory } from '../../../lib/history/memory-history';
import { RetainedDelivery } from '../../../lib/history/retained-delivery';
import { RoomHistory } from '../../../lib/history/room-history.service';
import { LocalConnections } from '../../../lib/session/local-connections';
import { RoomsNode } from '../../../lib/rooms/rooms-node';
import { WsConnection } from '../../../lib/session/ws-connection';

/** The adapter calls the resume makes, and a way to finish the join that is pending. */
class HeldJoins {
  readonly calls: string[] = [];
  private finishJoin: (() => void) | undefined;

  readonly adapter = {
    join: (_id: string, room: string): Promise<void> => {
      this.calls.push(`join ${room}`);
      return new Promise<void>((resolve) => (this.finishJoin = resolve));
    },
    leaveAll: async (): Promise<void> => {
      this.calls.push('leaveAll');
    },
  } as unknown as RoomsNode;

  async joinPending(): Promise<void> {
    while (!this.finishJoin) await Promise.resolve();
  }

  finish(): void {
    this.finishJoin?.();
    this.finishJoin = undefined;
  }
}

function setUp(): { history: RoomHistory; backend: MemoryHistory; joins: HeldJoins; client: WsConnection; sent: unknown[] } {
  const options = resolveHistoryOptions({ rooms: ['h:*'] });
  const codec = new JsonEventCodec();
  const delivery = new RetainedDelivery(codec, new LocalConnections());
  const backend = new MemoryHistory({ options, delivery }, () => []);
  const joins = new HeldJoins();
  const history = new RoomHistory(options, backend, delivery, joins.adapter);
  const sent: unknown[] = [];
  const client = {
    id: 'connection-1',
    data: {},
    sendEnvelope: (envelope: unknown) => sent.push(envelope),
    sendFrame: () => true,
    send: (event: string, data: unknown) => sent.push({ event, data }),
  } as unknown as WsConnection;
  return { history, backend, joins, client, sent };
}

describe('RoomHistory.resume racing the close', () => {
  it('stops joining and leaves what it joined when the connection closes between two joins; the close saved the whole session', async () => {
    const { history, backend, joins, client, sent } = setUp();
    await backend.saveSession('old', { data: { name: 'ada' }, rooms: { 'h:a': null, 'h:b': null } }, 60_000);
    history.opened(client);
    await history.ready(client);
    const newest = (sent[0] as { data: { id: string } }).data.id;

    const resumed = history.resume(client, { session: 'old' });
    await joins.joinPending();
    await history.closed(client.id); // the gateway's close: save, then forget the connection
    joins.finish();
    await resumed;

    expect(joins.calls).toEqual(['join h:a', 'leaveAll']);
    expect(await backend.takeSession(newest)).toEqual({ data: { name: 'ada' }, rooms: { 'h:a': null, 'h:b': null } });
    expect(await backend.takeSession('old')).toBeUndefined();
  });
});
