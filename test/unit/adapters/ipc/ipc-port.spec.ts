import { BoundedSender, IpcPort } from '../../../../lib/adapters/ipc/ipc-port';

/** A channel whose writes complete only when the test says so. */
function stalledPort(): { port: IpcPort; sent: unknown[]; complete(error?: Error): void } {
  const sent: unknown[] = [];
  const callbacks: ((error: Error | null) => void)[] = [];
  const port: IpcPort = {
    send: (message, _handle, _options, callback) => {
      sent.push(message);
      if (callback) callbacks.push(callback);
      return true;
    },
    on: () => port,
    off: () => port,
  };
  return { port, sent, complete: (error) => callbacks.shift()?.(error ?? null) };
}

describe('BoundedSender', () => {
  it('refuses and counts messages past maxPending until the channel has written some', () => {
    const { port, sent, complete } = stalledPort();
    const sender = new BoundedSender(port, 2);

    expect([sender.send('a'), sender.send('b'), sender.send('c')]).toEqual([true, true, false]);
    complete();
    expect(sender.send('d')).toBe(true);

    expect(sent).toEqual(['a', 'b', 'd']);
    expect(sender.undelivered).toBe(1);
  });

  it('refuses and counts messages past maxPendingBytes until the channel has written some; one larger than the budget goes alone', () => {
    const { port, sent, complete } = stalledPort();
    const sender = new BoundedSender(port, 100, 10);

    const first = [sender.send('a', 6), sender.send('b', 4), sender.send('c', 1)];
    complete(); // 'a' written: 6 bytes free
    const second = [sender.send('d', 6), sender.send('e', 1)];
    complete();
    complete(); // nothing waits
    const huge = [sender.send('f', 50), sender.send('g', 1)];

    expect({ first, second, huge }).toEqual({ first: [true, true, false], second: [true, false], huge: [true, false] });
    expect(sent).toEqual(['a', 'b', 'd', 'f']);
    expect(sender.undelivered).toBe(3);
  });

  it('counts a message the channel threw on (it cannot clone it), frees its place, and lets the caller know', () => {
    const port: IpcPort = {
      send: (message) => {
        if (typeof message === 'function') throw new Error('could not be cloned');
        return true;
      },
      on: () => port,
      off: () => port,
    };
    const sender = new BoundedSender(port, 1);

    expect(() => sender.send((() => 1) as unknown as string)).toThrow('could not be cloned');

    expect(sender.undelivered).toBe(1);
    expect(sender.send('b')).toBe(true);
  });

  it('counts a message the channel failed to write (closed), and frees its place', () => {
    const { port, complete } = stalledPort();
    const sender = new BoundedSender(port, 1);

    sender.send('a');
    complete(new Error('channel closed'));

    expect(sender.undelivered).toBe(1);
    expect(sender.send('b')).toBe(true);
  });
});
