// ws_handler_duration_seconds: durations counted by WebSocketStats per (gateway, event) and read
// into prom-client's Histogram at each scrape, for named events and for the raw handler.
import { Module } from '@nestjs/common';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Registry } from 'prom-client';
import { Gateway, MessageBody, OnMessage, WebSocketMetrics, WebSocketMetricsModule, WebSocketModule, WebSocketStats } from '../../../lib';
import { startApp, StartedApp } from '../../fixtures/gateways/test-app';
import { maskedFrame } from '../../helpers/frames';
import { RawClient } from '../../helpers/raw-client';
import { WsTestClient } from '../../helpers/ws-test-client';

@Gateway({ path: '/timed' })
class TimedGateway {
  @OnMessage('fast')
  fast(@MessageBody() data: unknown): unknown {
    return data;
  }

  @OnMessage('slow')
  async slow(@MessageBody() data: unknown): Promise<unknown> {
    await nextTurn();
    return data;
  }
}

/** Busy for `ms` of CPU, then answers: a handler whose duration is known from below. */
@Gateway({ path: '/timed-busy' })
class BusyGateway {
  @OnMessage()
  busy(@MessageBody() message: string): string {
    const until = performance.now() + Number(message);
    while (performance.now() < until);
    return message;
  }
}

@Gateway({ path: '/timed-raw' })
class TimedRawGateway {
  @OnMessage()
  raw(@MessageBody() message: string): string {
    return message;
  }
}

const registry = new Registry();

@Module({
  imports: [WebSocketModule.forRoot({}), WebSocketMetricsModule.forRoot({ registry, durationBuckets: [0.001, 0.01, 5] })],
  providers: [TimedGateway, TimedRawGateway, BusyGateway],
})
class TimedAppModule {}

/** The value of one sample line (`name{labels} value`) of an exposition, or undefined when absent. */
const sampleOf = (exposition: string, series: string): number | undefined => {
  const line = exposition.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe('ws_handler_duration_seconds', () => {
  let started: StartedApp;
  let client: WsTestClient | undefined;

  beforeAll(async () => {
    started = await startApp(TimedAppModule);
  });

  afterEach(async () => {
    await client?.close();
    client = undefined;
  });

  afterAll(async () => {
    await started.app.close();
  });

  it('counts each event of a gateway in its own series: count, sum and cumulative buckets', async () => {
    client = await WsTestClient.connect(started.wsUrl('/timed'));
    for (let i = 0; i < 5; i++) await client.request('fast', i);
    for (let i = 0; i < 3; i++) await client.request('slow', i);

    const text = await registry.metrics();

    for (const [event, count] of [
      ['fast', 5],
      ['slow', 3],
    ] as const) {
      const series = (suffix: string, le?: string): number | undefined =>
        sampleOf(text, `ws_handler_duration_seconds${suffix}{${le === undefined ? '' : `le="${le}",`}gateway="TimedGateway",event="${event}"}`);
      expect(series('_count')).toBe(count);
      expect(series('_sum')).toBeGreaterThan(0);
      expect(series('_bucket', '5')).toBe(count);
      expect(series('_bucket', '+Inf')).toBe(count);
      expect(series('_bucket', '0.001')).toBeLessThanOrEqual(series('_bucket', '0.01') ?? -1);
    }
  });

  it('labels the raw handler’s durations with an empty event', async () => {
    client = await WsTestClient.connect(started.wsUrl('/timed-raw'));
    await client.sendRaw('hello');
    await client.nextMessage();

    const text = await registry.metrics();

    expect(sampleOf(text, 'ws_handler_duration_seconds_count{gateway="TimedRawGateway",event=""}')).toBe(1);
    expect(sampleOf(text, 'ws_handler_duration_seconds_bucket{le="+Inf",gateway="TimedRawGateway",event=""}')).toBe(1);
  });

  it('times each of the messages that arrive in one read, with at least the work they did', async () => {
    const raw = await RawClient.connect(started.port, { path: '/timed-busy' });
    try {
      // Three messages in one TCP write: 3 ms, 0 ms, 3 ms of work, answered in one read.
      await raw.write(Buffer.concat(['3', '0', '3'].map((work) => maskedFrame(0x1, work))));
      for (const work of ['3', '0', '3']) await raw.expectMessage(0x1, work);
    } finally {
      await raw.destroy();
    }

    const text = await registry.metrics();
    const series = (suffix: string, le?: string): number | undefined =>
      sampleOf(text, `ws_handler_duration_seconds${suffix}{${le === undefined ? '' : `le="${le}",`}gateway="BusyGateway",event=""}`);
    expect(series('_count')).toBe(3);
    expect(series('_bucket', '+Inf')).toBe(3);
    // At least the 6 ms of work the handlers did. No upper bound here: a busy machine may pause this
    // process anywhere, so wall-clock ceilings fail under load. That no message counts another's
    // time is checked exactly, with a stepped clock, in test/unit/gateway/gateway.dispatcher.timing.spec.ts.
    expect(series('_sum')).toBeGreaterThanOrEqual(0.006);
  });

  it('feeds metrics created after the gateways bound, from then on, until they are destroyed', async () => {
    const late = new Registry();
    const metrics = await WebSocketMetrics.create(started.app.get(WebSocketStats), { registry: late, prefix: 'late_' });
    client = await WsTestClient.connect(started.wsUrl('/timed'));
    await client.request('fast', 1);

    const text = await late.metrics();
    metrics.onModuleDestroy();

    expect(sampleOf(text, 'late_handler_duration_seconds_count{gateway="TimedGateway",event="fast"}')).toBe(1);
    expect(text).not.toContain('event="slow"'); // no message since it began
    expect(await late.metrics()).not.toContain('late_handler_duration_seconds');
  });
});
