import { MemoryAdapter } from '../../../lib/adapters/memory/memory.adapter';
import { HandlerDurationSeries } from '../../../lib/observability/handler-durations';
import { WebSocketStats } from '../../../lib/observability/websocket-stats';

/** Each series of a tracker read as `gateway/event → [count, cumulative bucket counts]`. */
const countsOf = (series: HandlerDurationSeries[]): Record<string, [number, number[]]> =>
  Object.fromEntries(series.map(({ gateway, event, durations }) => [`${gateway}/${event ?? ''}`, [durations.count, durations.buckets.map((b) => b.count)]]));

describe('HandlerDurations', () => {
  let stats: WebSocketStats;

  beforeEach(() => {
    stats = new WebSocketStats(new MemoryAdapter());
  });

  it('gives one recorder per gateway and event, the raw handler’s under undefined', () => {
    const chat = stats.forGateway('ChatGateway', '/chat');

    expect(chat.recorderFor('join')).toBe(chat.recorderFor('join'));
    expect(chat.recorderFor(undefined)).not.toBe(chat.recorderFor('join'));
    expect(chat.recorderFor(undefined)).toMatchObject({ gateway: 'ChatGateway', event: undefined });
  });

  it('feeds a tracker per (gateway, event) in its bounds, besides the gateway’s own latency', async () => {
    const chat = stats.forGateway('ChatGateway', '/chat');
    const tracker = stats.trackHandlerDurations([1, 10]);

    chat.handled(chat.recorderFor('join'), 0.5);
    chat.handled(chat.recorderFor('join'), 10); // on the bound
    chat.handled(chat.recorderFor(undefined), 50);

    expect(countsOf(tracker.read())).toEqual({ 'ChatGateway/join': [2, [1, 2]], 'ChatGateway/': [1, [0, 0]] });
    expect(tracker.read()[0].durations.sumMs).toBe(10.5);
    expect((await stats.snapshot()).gateways.ChatGateway.handlerLatency.count).toBe(3);
  });

  it('feeds a tracker that began after an event’s first messages with the later ones only', () => {
    const chat = stats.forGateway('ChatGateway', '/chat');
    const join = chat.recorderFor('join');
    chat.handled(join, 2);

    const tracker = stats.trackHandlerDurations([1, 10]);
    chat.handled(join, 3);

    expect(countsOf(tracker.read())).toEqual({ 'ChatGateway/join': [1, [0, 1]] });
  });

  it('feeds a tracker from gateways and events that appear after it', () => {
    const tracker = stats.trackHandlerDurations([1, 10]);

    const echo = stats.forGateway('EchoGateway', '/echo');
    echo.handled(echo.recorderFor('echo'), 0.2);

    expect(countsOf(tracker.read())).toEqual({ 'EchoGateway/echo': [1, [1, 1]] });
  });

  it('feeds two trackers, each in its own bounds', () => {
    const chat = stats.forGateway('ChatGateway', '/chat');
    const fine = stats.trackHandlerDurations([0.5, 1, 2]);
    const coarse = stats.trackHandlerDurations([100]);

    for (const ms of [0.4, 0.9, 1.5, 3]) chat.handled(chat.recorderFor('join'), ms);

    expect(countsOf(fine.read())).toEqual({ 'ChatGateway/join': [4, [1, 2, 3]] });
    expect(countsOf(coarse.read())).toEqual({ 'ChatGateway/join': [4, [4]] });
  });

  it('stops feeding a released tracker, the other trackers and listeners going on', () => {
    const chat = stats.forGateway('ChatGateway', '/chat');
    const released = stats.trackHandlerDurations([1]);
    const kept = stats.trackHandlerDurations([1]);
    const heard: number[] = [];
    stats.onHandlerDuration((_gateway, _event, ms) => heard.push(ms));
    chat.handled(chat.recorderFor('join'), 0.5);

    released.release();
    chat.handled(chat.recorderFor('join'), 0.6);
    chat.handled(chat.recorderFor('leave'), 0.7); // a recorder made after the release

    expect(released.read()).toEqual([]);
    expect(countsOf(kept.read())).toEqual({ 'ChatGateway/join': [2, [2]], 'ChatGateway/leave': [1, [1]] });
    expect(heard).toEqual([0.5, 0.6, 0.7]);
  });
});
