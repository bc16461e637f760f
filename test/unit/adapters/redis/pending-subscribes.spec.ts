import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import { PendingSubscribes, ShardMovedError } from '../../../../lib/adapters/redis/pending-subscribes';

const ANSWER_TIMEOUT_MS = 1000;

/** A subscriber connection whose SSUBSCRIBE replies the test gives, or never gives (as ioredis after a MOVED, or a deaf link). */
class FakeConnection extends EventEmitter {
  readonly sent: { channels: string[]; answer: () => void; fail: (error: Error) => void }[] = [];

  ssubscribe(...channels: string[]): Promise<number> {
    return new Promise((resolve, reject) => this.sent.push({ channels, answer: () => resolve(channels.length), fail: reject }));
  }
}

function watch(): { connection: FakeConnection; subscribes: PendingSubscribes; unanswered: () => number } {
  const connection = new FakeConnection();
  let unanswered = 0;
  const subscribes = new PendingSubscribes(connection as unknown as Redis, ANSWER_TIMEOUT_MS, () => unanswered++);
  return { connection, subscribes, unanswered: () => unanswered };
}

describe('PendingSubscribes', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('resolves an answered SSUBSCRIBE and reports nothing later', async () => {
    const { connection, subscribes, unanswered } = watch();
    const sent = subscribes.send(['a']);
    connection.sent[0].answer();
    await expect(sent).resolves.toBeUndefined();
    jest.advanceTimersByTime(ANSWER_TIMEOUT_MS * 3);
    expect(unanswered()).toBe(0);
    expect(subscribes.size).toBe(0);
  });

  it('rejects every pending SSUBSCRIBE with ShardMovedError on `moved` (ioredis drops the redirected command), and ignores a late answer', async () => {
    const { connection, subscribes } = watch();
    const first = subscribes.send(['a']);
    const second = subscribes.send(['b', 'c']);
    connection.emit('moved');
    await expect(first).rejects.toBeInstanceOf(ShardMovedError);
    await expect(second).rejects.toThrow('SSUBSCRIBE b c');
    connection.sent[1].answer(); // the one that was not redirected answers after all: already settled
    expect(subscribes.size).toBe(0);
  });

  it('reports a connection deaf once when SSUBSCRIBEs go unanswered, and watches it afresh after abandon (its reconnect)', async () => {
    const { subscribes, unanswered } = watch();
    const first = subscribes.send(['a']);
    const second = subscribes.send(['b']);
    jest.advanceTimersByTime(ANSWER_TIMEOUT_MS);
    expect(unanswered()).toBe(1); // once, not once per command

    subscribes.abandon(new Error('Connection is closed.'));
    await expect(first).rejects.toThrow('Connection is closed.');
    await expect(second).rejects.toThrow('Connection is closed.');
    const third = subscribes.send(['c']);
    jest.advanceTimersByTime(ANSWER_TIMEOUT_MS);
    expect(unanswered()).toBe(2);
    subscribes.abandon(new Error('Connection is closed.'));
    await expect(third).rejects.toThrow('Connection is closed.');
  });

  it('passes an SSUBSCRIBE refused by Redis on as it came', async () => {
    const { connection, subscribes } = watch();
    const sent = subscribes.send(['a']);
    connection.sent[0].fail(new Error('CROSSSLOT Keys in request do not hash to the same slot'));
    await expect(sent).rejects.toThrow('CROSSSLOT');
    expect(subscribes.size).toBe(0);
  });

  it('watches a reconnected connection afresh even when no close came between (the timer fired while it was reconnecting, its SSUBSCRIBE in the offline queue)', async () => {
    const { connection, subscribes, unanswered } = watch();
    const queued = subscribes.send(['a']); // sent while reconnecting: ioredis holds it until ready
    jest.advanceTimersByTime(ANSWER_TIMEOUT_MS);
    expect(unanswered()).toBe(1); // the owner's disconnect(true) of a reconnecting connection emits no close
    connection.emit('ready'); // reconnected: the queued SSUBSCRIBE goes out now
    const fresh = subscribes.send(['b']);
    jest.advanceTimersByTime(ANSWER_TIMEOUT_MS);
    expect(unanswered()).toBe(2); // the new connection is deaf too: reported, not latched
    subscribes.abandon(new Error('Connection is closed.'));
    await expect(queued).rejects.toThrow('Connection is closed.');
    await expect(fresh).rejects.toThrow('Connection is closed.');
  });
});
