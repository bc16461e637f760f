// A broadcast with and without a session plug-in (history): without one, the broadcast path is what
// it was, one frame handed to the node in the caller's tick; with one, only its rooms go to deliver().
import { JsonEventCodec } from '../../../lib/codec/json-event.codec';
import { RoomsAdapter } from '../../../lib/rooms/rooms-adapter.interface';
import { RoomsNode } from '../../../lib/rooms/rooms-node';
import { Rooms } from '../../../lib/rooms/rooms.service';
import { encodeEnvelope } from '../../../lib/session/outbound-frames';
import { SessionHooks } from '../../../lib/session/session-hooks.interface';

const codec = new JsonEventCodec();
const frameOf = (event: string, data: unknown): Buffer => encodeEnvelope(codec, { event, data });

function setUp(hooks: SessionHooks | null): { rooms: Rooms; broadcast: jest.Mock } {
  const broadcast = jest.fn().mockResolvedValue(undefined);
  const node = { broadcast } as unknown as RoomsNode;
  return { rooms: new Rooms({} as RoomsAdapter, node, codec, hooks), broadcast };
}

/** A plug-in that delivers the rooms named `kept:*`, and counts how often it is asked. */
function keptRooms(): SessionHooks & { asked: string[]; deliver: jest.Mock } {
  const asked: string[] = [];
  return {
    asked,
    deliversRoom: (room: string) => {
      asked.push(room);
      return room.startsWith('kept:');
    },
    deliver: jest.fn().mockResolvedValue(undefined),
  } as unknown as SessionHooks & { asked: string[]; deliver: jest.Mock };
}

describe('Broadcast.send and the session hooks', () => {
  it('without a plug-in hands the node one frame for every room, in the caller tick', () => {
    const { rooms, broadcast } = setUp(null);

    void rooms.to(['a', 'b']).send('said', { text: 'hi' });

    expect(broadcast).toHaveBeenCalledTimes(1);
    expect(broadcast).toHaveBeenCalledWith(['a', 'b'], frameOf('said', { text: 'hi' }), new Set());
  });

  it('with a plug-in that delivers none of the rooms asks it once per room and hands the node the same one frame', () => {
    const hooks = keptRooms();
    const { rooms, broadcast } = setUp(hooks);

    void rooms.to(['a', 'b']).send('said', 1);

    expect(hooks.asked).toEqual(['a', 'b']);
    expect(broadcast).toHaveBeenCalledTimes(1);
    expect(broadcast).toHaveBeenCalledWith(['a', 'b'], frameOf('said', 1), new Set());
    expect(hooks.deliver).not.toHaveBeenCalled();
  });

  it('with a plug-in that delivers one room sends the others one frame and gives it its room, with the same exceptions', async () => {
    const hooks = keptRooms();
    const { rooms, broadcast } = setUp(hooks);

    await rooms.to(['a', 'kept:b', 'c']).except('connection-1').send('said', 2);

    expect(broadcast).toHaveBeenCalledTimes(1);
    expect(broadcast).toHaveBeenCalledWith(['a', 'c'], frameOf('said', 2), new Set(['connection-1']));
    expect(hooks.deliver).toHaveBeenCalledTimes(1);
    expect(hooks.deliver).toHaveBeenCalledWith('kept:b', 'said', 2, new Set(['connection-1']));
  });

  it('rejects when the plug-in could not deliver its room, after the other rooms got the frame', async () => {
    const hooks = keptRooms();
    hooks.deliver.mockRejectedValue(new Error('history unavailable'));
    const { rooms, broadcast } = setUp(hooks);

    await expect(rooms.to(['a', 'kept:b']).send('said', 3)).rejects.toThrow('history unavailable');
    expect(broadcast).toHaveBeenCalledWith(['a'], frameOf('said', 3), new Set());
  });

  it('gives every room the broadcast exactly one way, even when the plug-in answers differently each time it is asked', async () => {
    let calls = 0;
    const deliver = jest.fn().mockResolvedValue(undefined);
    const flipping = { deliversRoom: () => calls++ % 2 === 0, deliver } as unknown as SessionHooks;
    const { rooms, broadcast } = setUp(flipping);

    await rooms.to(['a', 'b', 'c', 'd']).send('said', 4);

    const plain: string[] = broadcast.mock.calls.flatMap(([addressed]: [string[]]) => addressed);
    const delivered: string[] = deliver.mock.calls.map(([room]: [string]) => room);
    expect([...plain, ...delivered].sort()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('sends a raw message as one text or binary frame, without asking the plug-in', () => {
    const hooks = keptRooms();
    const { rooms, broadcast } = setUp(hooks);

    void rooms.to('kept:a').sendRaw('plain text');
    void rooms.to('kept:a').sendRaw(Buffer.from([1, 2]));

    expect(hooks.asked).toEqual([]);
    expect(broadcast.mock.calls.map(([, frame]: [string[], Buffer]) => frame.toString('hex'))).toEqual(['810a706c61696e2074657874', '82020102']);
  });
});
