// ws_handler_duration_seconds: durations counted by WebSocketStats per (gateway, event) and read
// into prom-client's Histogram at each scrape, for named events and for the raw handler.
import { Module } from '@nestjs/common';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Registry } from 'prom-client';
import { Gateway, MessageBody, OnMessage, WebSocketMetrics, WebSocketMetricsModule, WebSocketModule, WebSocketStats } from '../../../lib';
import { startApp, StartedApp } from '../../fixtures/gateways/test-app';
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
  providers: [TimedGateway, TimedRawGateway],
})
class TimedAppModule {}

/** The value of one sample line (`name{labels} value`) of an exposition, or undefined when absent. */
const sampleOf = (exposition: string, series: string): number | undefined => {
  const line = exposition.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe('ws_handler_duration_seconds', () => {
  let started: StartedApp;
  let client: WsTestClient;

  beforeAll(async () => {
    started = await startApp(TimedAppModule);
  });

  afterEach(async () => {
    await client.close();
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
