import { MemoryAdapter } from '../../../lib/adapters/memory/memory.adapter';
import { encodeTextFrame } from '../../../lib/protocol/frame-writer';
import { ALL_GATEWAYS } from '../../../lib/rooms/presence-store.interface';
import { closeFake, startFakeNode } from '../../helpers/rooms-node';
import { recordingAdapter } from '../../helpers/recording-adapter';

const NOBODY: ReadonlySet<string> = new Set();

describe('RoomsNode gateway groups (registry.sendToGateway, sendToAll)', () => {
  afterEach(() => jest.restoreAllMocks());

  it('sends to the connections of one gateway, or of every gateway, but those in except, until they close', async () => {
    const fake = await startFakeNode(new MemoryAdapter(), ['chat-1', 'chat-2', 'news-1']);
    const { node, received } = fake;
    await node.enterGateway('chat-1', 'ChatGateway');
    await node.enterGateway('chat-2', 'ChatGateway');
    await node.enterGateway('news-1', 'NewsGateway');

    await node.sendToGateway('ChatGateway', encodeTextFrame('"chat"'), new Set(['chat-2']));
    await node.sendToGateway(ALL_GATEWAYS, encodeTextFrame('"all"'), NOBODY);
    await closeFake(fake, 'chat-1');
    await node.sendToGateway(ALL_GATEWAYS, encodeTextFrame('"after"'), NOBODY);

    expect(Object.fromEntries(received)).toEqual({ 'chat-1': ['chat', 'all'], 'chat-2': ['all', 'after'], 'news-1': ['all', 'after'] });
  });

  it('listens to a group from its first member and stops with its last, and writes nothing to the store', async () => {
    const { adapter, calls } = recordingAdapter();
    const join = jest.spyOn(adapter, 'join');
    const fake = await startFakeNode(adapter, ['a', 'b']);

    await fake.node.enterGateway('a', 'ChatGateway');
    expect(fake.node.enterGateway('b', 'ChatGateway')).toBeUndefined();
    await closeFake(fake, 'a');
    await closeFake(fake, 'b');

    expect(calls).toEqual(['subscribe gateway ChatGateway', `subscribe gateway ${ALL_GATEWAYS}`, 'unsubscribe gateway ChatGateway', `unsubscribe gateway ${ALL_GATEWAYS}`]);
    expect(join).not.toHaveBeenCalled();
    expect(fake.node.local.gateways.footprint()).toEqual({ groups: 0, connectionsInGroups: 0, presenceGroups: 0 });
  });

  it('unsubscribes in the tick of the close, so a connection opening next subscribes after it (a late unsubscribe left the node deaf)', async () => {
    const { adapter, calls } = recordingAdapter();
    const fake = await startFakeNode(adapter, ['old', 'new']);
    await fake.node.enterGateway('old', 'ChatGateway');

    const closing = closeFake(fake, 'old');
    const listening = fake.node.enterGateway('new', 'ChatGateway');
    await Promise.all([closing, listening]);

    expect(calls.slice(2)).toEqual(['unsubscribe gateway ChatGateway', `unsubscribe gateway ${ALL_GATEWAYS}`, 'subscribe gateway ChatGateway', `subscribe gateway ${ALL_GATEWAYS}`]);
  });

  it('makes a connection that arrives while the first subscription is in flight wait for that subscription', async () => {
    const adapter = new MemoryAdapter();
    const subscriptions: Array<() => void> = [];
    jest.spyOn(adapter, 'subscribe').mockImplementation(() => new Promise<void>((resolve) => subscriptions.push(resolve)));
    const fake = await startFakeNode(adapter, ['first', 'second']);

    const first = fake.node.enterGateway('first', 'ChatGateway');
    const second = fake.node.enterGateway('second', 'ChatGateway');
    let isSecondListening = false;
    void second?.then(() => (isSecondListening = true));
    await Promise.resolve();

    expect(second).toBeDefined();
    expect(isSecondListening).toBe(false);
    for (const subscribed of subscriptions) subscribed();
    await Promise.all([first, second]);
    expect(isSecondListening).toBe(true);
  });
});
