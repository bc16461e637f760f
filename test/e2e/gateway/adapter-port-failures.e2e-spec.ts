import { MemoryAdapter } from '../../../lib';
import { MembershipNode } from '../../helpers/membership-node';

/** A custom adapter (docs/scaling.md, "Writing an adapter") whose ports throw synchronously when a connection opens. */
class ThrowingOpenAdapter extends MemoryAdapter {
  override addConnection(): Promise<void> {
    throw new Error('addConnection: sync');
  }

  override subscribe(): Promise<void> {
    throw new Error('subscribe: sync');
  }
}

describe('A custom adapter whose port throws synchronously as a connection opens', () => {
  let node: MembershipNode;

  beforeAll(async () => {
    node = await MembershipNode.start(new ThrowingOpenAdapter());
  });

  afterAll(async () => {
    await node.stop();
  });

  it('serves the connection, delivers to its rooms here, and forgets it once closed (it was closed with 1011 and kept in the registry)', async () => {
    const watcher = await node.connect();
    const subject = await node.connect();
    await node.rooms.join(subject.connection, 'lobby').catch(() => undefined); // the room's subscribe throws too: the caller hears it
    await node.rooms.to('lobby').send('news');
    expect(await subject.client.nextEnvelope((envelope) => envelope.event === 'news')).toEqual({ event: 'news' });

    await node.closeAndForget(subject, 'lobby');
    expect(node.registry.footprint()).toEqual({ connections: 1, gateways: 1, tags: 0, taggedConnections: 0 });
    await watcher.client.close();
  });
});
