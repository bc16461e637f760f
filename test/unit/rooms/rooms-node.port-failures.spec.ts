import { Logger } from '@nestjs/common';
import { MemoryAdapter } from '../../../lib/adapters/memory/memory.adapter';
import { encodeTextFrame } from '../../../lib/protocol/frame-writer';
import { GATEWAY_LISTEN_WAIT_MS } from '../../../lib/rooms/rooms-node';
import { startFakeNode } from '../../helpers/rooms-node';

const NOBODY: ReadonlySet<string> = new Set();

/** A MemoryAdapter whose publish is written `async` (its type says void), as a custom broker may be, and rejects. */
class RejectingPublishAdapter extends MemoryAdapter {
  override publish = jest.fn(async (): Promise<void> => {
    throw new Error('publish: backend away');
  });
}

describe('RoomsNode over a custom adapter whose port fails', () => {
  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('hands an async publish that rejects to the caller of each send, after local members got the frame', async () => {
    const { node, received } = await startFakeNode(new RejectingPublishAdapter(), ['ada']);
    await node.join('ada', 'lobby');
    await node.tag('ada', 'user:ada');
    await node.enterGateway('ada', 'chat');
    const frame = encodeTextFrame('"hi"');

    await expect(node.broadcast(['lobby'], frame, NOBODY)).rejects.toThrow('publish: backend away');
    await expect(node.sendToTag('user:ada', frame, NOBODY)).rejects.toThrow('publish: backend away');
    await expect(node.sendToGateway('chat', frame, NOBODY)).rejects.toThrow('publish: backend away');
    await expect(node.join('ada', 'kitchen', { name: 'ada' })).rejects.toThrow('publish: backend away');
    expect(received.get('ada')).toEqual(['hi', 'hi', 'hi', { event: 'presence', data: { room: 'kitchen', action: 'join', id: 'ada', meta: { name: 'ada' } } }]);
  });

  it('logs a presence announcement whose async publish rejects (it has no caller): the leaves of a closed connection', async () => {
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const adapter = new RejectingPublishAdapter();
    const { node } = await startFakeNode(adapter, ['ada']);
    adapter.publish.mockImplementationOnce(() => Promise.resolve()); // the join's own announcement goes out
    await node.join('ada', 'lobby', { name: 'ada' });

    await node.closed('ada');
    await node.leaveAll('ada');
    await new Promise(setImmediate); // the rejection's handler runs in a later microtask

    expect(logged.mock.calls.map(([message]) => message)).toEqual(['adapter publish of a presence event failed']);
  });

  it('turns a port that throws synchronously when a connection opens (addConnection, the gateway subscribe) into a rejection', async () => {
    const adapter = new MemoryAdapter();
    const { node } = await startFakeNode(adapter);
    jest.spyOn(adapter, 'addConnection').mockImplementation(() => {
      throw new Error('addConnection: sync');
    });
    jest.spyOn(adapter, 'subscribe').mockImplementation(() => {
      throw new Error('subscribe: sync');
    });

    let opened: Promise<void> | undefined;
    expect(() => (opened = node.opened('ada'))).not.toThrow();
    await expect(opened).rejects.toThrow('addConnection: sync');
    let listening: Promise<void> | undefined;
    expect(() => (listening = node.enterGateway('ada', 'chat'))).not.toThrow();
    await expect(listening).rejects.toThrow('subscribe: sync');
  });

  it('hands back the promise of a store that writes a connection somewhere (and its rejection), and nothing when the store returns nothing, as the MemoryAdapter', async () => {
    const adapter = new MemoryAdapter();
    const { node } = await startFakeNode(adapter);
    expect(node.opened('ada')).toBeUndefined();

    const stored = jest.spyOn(adapter, 'addConnection').mockImplementation(async () => undefined);
    await expect(node.opened('bob')).resolves.toBeUndefined();
    stored.mockImplementation(async () => {
      throw new Error('addConnection: backend away');
    });
    await expect(node.opened('cy')).rejects.toThrow('addConnection: backend away');
  });

  /** A node whose broker never answers a gateway subscribe (a link gone silent without a reset), on a clock the test moves. */
  async function silentGatewayBroker(): Promise<{ node: Awaited<ReturnType<typeof startFakeNode>>['node']; failLate: (error: Error) => void }> {
    const adapter = new MemoryAdapter();
    const { node } = await startFakeNode(adapter);
    const late: Array<(error: Error) => void> = [];
    jest.spyOn(adapter, 'subscribe').mockImplementation(() => new Promise<void>((_resolve, reject) => late.push(reject)));
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    return { node, failLate: (error) => late.forEach((reject) => reject(error)) };
  }

  it('reads a connection GATEWAY_LISTEN_WAIT_MS after asking for its gateway group when the broker never answers, and the next one at once', async () => {
    const { node } = await silentGatewayBroker();
    let isRead = false;
    void node.enterGateway('ada', 'chat')?.then(() => (isRead = true));

    await jest.advanceTimersByTimeAsync(GATEWAY_LISTEN_WAIT_MS - 1);
    expect(isRead).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(isRead).toBe(true);
    expect(node.enterGateway('bob', 'chat')).toBeUndefined();
  });

  it('logs a gateway subscribe that fails after the wait ended (no one waits for it any more)', async () => {
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const { node, failLate } = await silentGatewayBroker();
    const listening = node.enterGateway('ada', 'chat');
    await jest.advanceTimersByTimeAsync(GATEWAY_LISTEN_WAIT_MS);
    await expect(listening).resolves.toBeUndefined();

    failLate(new Error('subscribe: link reset'));
    await new Promise(setImmediate);

    expect(logged.mock.calls.map(([message]) => message).sort()).toEqual(['adapter subscribe of gateway group * failed', 'adapter subscribe of gateway group chat failed']);
  });
});
