import { EventEmitter } from 'node:events';
import { IpcAdapter } from '../../../../lib/adapters/ipc/ipc.adapter';
import { IpcPort } from '../../../../lib/adapters/ipc/ipc-port';
import { LocalRooms } from '../../../../lib/rooms/local-rooms';
import { LocalConnections } from '../../../../lib/session/local-connections';

/** A channel to a primary that never answers; the test closes it as a dying primary would. */
class SilentPrimary extends EventEmitter implements IpcPort {
  readonly sent: unknown[] = [];

  send(message: unknown, _handle?: undefined, _options?: undefined, callback?: (error: Error | null) => void): boolean {
    this.sent.push(message);
    callback?.(null);
    return true;
  }
}

const localNode = () => ({ local: new LocalRooms(new LocalConnections()), apply: async () => {}, announce: () => {} });

describe('IpcAdapter when the primary goes away', () => {
  it('reports the link down and the outage, counts what it could not publish, and answers queries from this node', async () => {
    const primary = new SilentPrimary();
    const adapter = new IpcAdapter({ port: primary, nodeId: 'A', requestTimeoutMs: 60_000 });
    await adapter.start(localNode());
    const asked = adapter.rooms(); // waiting for a primary that will not answer

    primary.emit('disconnect');
    adapter.publish('room', ['lobby'], Buffer.from('frame'), new Set());

    await expect(asked).resolves.toEqual([]);
    expect(adapter.stats()).toEqual({ isConnected: false, undelivered: 1, outages: 1 });
    expect(await adapter.nodes()).toEqual([{ id: 'A', connections: 0, isSelf: true }]);
    expect(adapter.footprint()).toEqual({ pendingAnswers: 0 });
  });

  it('counts no outage and nothing undelivered once it was closed itself', async () => {
    const primary = new SilentPrimary();
    const adapter = new IpcAdapter({ port: primary, nodeId: 'A' });
    await adapter.start(localNode());

    await adapter.close();
    adapter.publish('room', ['lobby'], Buffer.from('late'), new Set());

    expect(adapter.stats()).toEqual({ isConnected: false, undelivered: 0, outages: 0 });
    expect(primary.sent).toEqual([expect.objectContaining({ kind: 'hello', node: 'A' }), expect.objectContaining({ kind: 'bye', node: 'A' })]);
    expect(primary.listenerCount('message') + primary.listenerCount('disconnect')).toBe(0);
  });
});
