import { MembershipAcks } from '../../../../lib/adapters/redis/membership-acks';
import { RemoteMembershipError } from '../../../../lib/rooms/remote-membership.error';

const errorFor = (reason: string): RemoteMembershipError => new RemoteMembershipError('join', 'c1', 'node-b', reason);

describe('MembershipAcks', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('resolves a change when its node acknowledges it, and forgets it (and its timer)', async () => {
    const acks = new MembershipAcks(1000);
    const acknowledged = acks.expect('a:1', errorFor);

    acks.settle('a:1', undefined);

    await expect(acknowledged).resolves.toBeUndefined();
    expect(acks.size).toBe(0);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('rejects with the failure the node reported', async () => {
    const acks = new MembershipAcks(1000);
    const acknowledged = acks.expect('a:1', errorFor);

    acks.settle('a:1', 'codec refused the metadata');

    await expect(acknowledged).rejects.toThrow('join of connection c1: node node-b failed to apply it: codec refused the metadata');
    expect(acks.size).toBe(0);
  });

  it('rejects when no acknowledgement comes within the timeout, and ignores one arriving later', async () => {
    const acks = new MembershipAcks(1000);
    const acknowledged = acks.expect('a:1', errorFor);

    jest.advanceTimersByTime(1000);
    acks.settle('a:1', undefined);

    await expect(acknowledged).rejects.toThrow('join of connection c1: node node-b did not acknowledge it within 1000 ms');
    expect(acks.size).toBe(0);
  });

  it('rejects every pending change at shutdown and clears their timers', async () => {
    const acks = new MembershipAcks(1000);
    const pending = [acks.expect('a:1', errorFor), acks.expect('a:2', errorFor)];

    acks.failAll('was not heard from before this node shut down');

    for (const acknowledged of pending) await expect(acknowledged).rejects.toBeInstanceOf(RemoteMembershipError);
    expect(acks.size).toBe(0);
    expect(jest.getTimerCount()).toBe(0);
  });
});
