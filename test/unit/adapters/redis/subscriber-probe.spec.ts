import { SubscriberProbe } from '../../../../lib/adapters/redis/subscriber-probe';

describe('SubscriberProbe', () => {
  it('sends a probe each heartbeat while each comes back, and counts no gap', () => {
    const probe = new SubscriberProbe('node-a');
    for (let beat = 0; beat < 3; beat++) {
      const { isLost, requestId } = probe.next();
      expect(isLost).toBe(false);
      probe.received(requestId as string);
    }
    expect(probe.gaps).toBe(0);
  });

  it('gives a late probe one heartbeat of grace, sending none meanwhile', () => {
    const probe = new SubscriberProbe('node-a');
    const { requestId } = probe.next();
    expect(probe.next()).toEqual({ isLost: false });
    probe.received(requestId as string);
    expect(probe.next()).toMatchObject({ isLost: false, requestId: expect.any(String) });
    expect(probe.gaps).toBe(0);
  });

  it('finds a gap when a probe is out for two heartbeats, then probes afresh', () => {
    const probe = new SubscriberProbe('node-a');
    const { requestId: lost } = probe.next();
    probe.next();
    expect(probe.next()).toEqual({ isLost: true });
    expect(probe.gaps).toBe(1);
    probe.received(lost as string); // arriving after all: not the one out now
    const { isLost, requestId } = probe.next();
    expect(isLost).toBe(false);
    expect(requestId).not.toBe(lost);
  });

  it('forgets the probe out when the subscriber reconnects', () => {
    const probe = new SubscriberProbe('node-a');
    probe.next();
    probe.next();
    probe.reset();
    expect(probe.next()).toMatchObject({ isLost: false, requestId: expect.any(String) });
    expect(probe.gaps).toBe(0);
  });
});
