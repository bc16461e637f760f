import { closeFake, startFakeNode } from '../../helpers/rooms-node';
import { recordingAdapter } from '../../helpers/recording-adapter';

describe('RoomsNode listening to groups while a connection closes', () => {
  afterEach(() => jest.restoreAllMocks());

  it('keeps listening to a tag that another connection took while the closing one released its tags one by one', async () => {
    const { adapter, calls } = recordingAdapter();
    const fake = await startFakeNode(adapter, ['closing', 'next']);
    await fake.node.tag('closing', 'user:1');
    await fake.node.tag('closing', 'user:2');

    await Promise.all([closeFake(fake, 'closing'), fake.node.tag('next', 'user:2')]);

    // The last call for user:2 is a subscribe: the node still hears what other nodes send to its member.
    expect(calls.filter((call) => call.endsWith('user:2')).at(-1)).toBe('subscribe tag user:2');
    expect([...fake.node.local.tags.members('user:2')]).toEqual(['next']);
  });

  it('keeps listening to a room that another connection joined while the closing one left its rooms one by one', async () => {
    const { adapter, calls } = recordingAdapter();
    const fake = await startFakeNode(adapter, ['closing', 'next']);
    await fake.node.join('closing', 'a');
    await fake.node.join('closing', 'b');

    await closeFake(fake, 'closing');
    // leaveAll leaves both rooms here at once, then unsubscribes a, and b after an await.
    await Promise.all([fake.node.leaveAll('closing'), fake.node.join('next', 'b')]);

    expect(calls.filter((call) => call.endsWith(' b')).at(-1)).toBe('subscribe room b');
    expect([...fake.node.local.rooms.members('b')]).toEqual(['next']);
  });
});
