// WebSocketMetricsModule: the stats as Prometheus text at GET /metrics, in a registry of the test's own.
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Registry, register } from 'prom-client';
import request from 'supertest';
import { WebSocketMetrics } from '../../../lib';
import { EnvelopeClient } from '../../helpers/envelope-client';
import { WsTestClient } from '../../helpers/ws-test-client';
import { startApp, StartedApp } from '../../fixtures/gateways/test-app';
import { Disconnects, ObservabilityAppModule } from './observability.fixtures';

/** The value of one sample line (`name{labels} value`) of an exposition, or undefined when absent. */
const sampleOf = (exposition: string, series: string): number | undefined => {
  const line = exposition.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe('WebSocketMetricsModule', () => {
  let started: StartedApp;
  let registry: Registry;
  const clients = new Set<EnvelopeClient>();

  beforeAll(async () => {
    registry = new Registry();
    started = await startApp(ObservabilityAppModule.with({ metrics: { path: 'metrics', registry } }));
  });

  afterEach(async () => {
    await Promise.all([...clients].map((client) => client.close()));
    clients.clear();
  });

  afterAll(async () => {
    await started.app.close();
  });

  const connect = async (path: string): Promise<EnvelopeClient> => {
    const client = await EnvelopeClient.connect(started.wsUrl(path));
    clients.add(client);
    return client;
  };

  const scrape = async (): Promise<string> => {
    const response = await request(started.app.getHttpServer()).get('/metrics').expect(200);
    expect(response.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    return response.text;
  };

  it('serves every metric with HELP and TYPE lines at the configured path', async () => {
    const text = await scrape();

    const types = Object.fromEntries([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map(([, name, type]) => [name, type]));
    expect(types).toEqual({
      ws_connections: 'gauge',
      ws_connections_opened_total: 'counter',
      ws_rooms: 'gauge',
      ws_serving: 'gauge',
      ws_messages_received_total: 'counter',
      ws_messages_sent_total: 'counter',
      ws_received_bytes_total: 'counter',
      ws_sent_bytes_total: 'counter',
      ws_errors_total: 'counter',
      ws_closes_total: 'counter',
      ws_dropped_messages_total: 'counter',
      ws_slow_consumer_closes_total: 'counter',
      ws_handshake_refusals_total: 'counter',
      ws_adapter_connected: 'gauge',
      ws_adapter_undelivered_total: 'counter',
      ws_adapter_outages_total: 'counter',
      ws_handler_duration_seconds: 'histogram',
    });
    expect(sampleOf(text, 'ws_serving')).toBe(1);
    expect(sampleOf(text, 'ws_adapter_connected')).toBe(1);
  });

  it('moves connections, messages, errors and durations with the traffic, labelled by gateway, code and event', async () => {
    const before = await scrape();
    const client = await connect('/metered');
    await client.request('echo', 'hi');
    await client.request('refuse');
    await client.request('join', { room: 'metrics-room' });

    const after = await scrape();
    const delta = (series: string): number => (sampleOf(after, series) ?? 0) - (sampleOf(before, series) ?? 0);
    expect(delta('ws_connections{gateway="MeteredGateway"}')).toBe(1);
    expect(delta('ws_connections_opened_total{gateway="MeteredGateway"}')).toBe(1);
    expect(delta('ws_messages_received_total{gateway="MeteredGateway"}')).toBe(3);
    expect(delta('ws_messages_sent_total{gateway="MeteredGateway"}')).toBe(3);
    expect(delta('ws_received_bytes_total{gateway="MeteredGateway"}')).toBeGreaterThan(0);
    expect(delta('ws_errors_total{gateway="MeteredGateway",code="ROOM_FULL"}')).toBe(1);
    expect(delta('ws_rooms')).toBe(1);
    expect(delta('ws_handler_duration_seconds_count{gateway="MeteredGateway",event="echo"}')).toBe(1);
    expect(delta('ws_handler_duration_seconds_bucket{le="+Inf",gateway="MeteredGateway",event="refuse"}')).toBe(1);
  });

  it('counts closes by code and refusals by status', async () => {
    const disconnects = started.app.get(Disconnects);
    const before = await scrape();
    const client = await connect('/metered');
    const expected = disconnects.count + 1;
    await client.close();
    clients.delete(client);
    await disconnects.untilCount(expected);
    await expect(WsTestClient.connect(started.wsUrl('/nowhere'))).rejects.toMatchObject({ status: 404 });

    const after = await scrape();
    const delta = (series: string): number => (sampleOf(after, series) ?? 0) - (sampleOf(before, series) ?? 0);
    expect(delta('ws_closes_total{gateway="MeteredGateway",code="1005"}')).toBe(1);
    expect(delta('ws_handshake_refusals_total{status="404"}')).toBe(1);
  });

  it('exposes the same text through WebSocketMetrics.metrics(), for a route of your own', async () => {
    const metrics = started.app.get(WebSocketMetrics);

    const text = await metrics.metrics();

    expect(metrics.contentType).toBe(registry.contentType);
    expect(text).toContain('# TYPE ws_connections gauge');
  });

  it('registers in prom-client’s default registry when given none, and unregisters on close so a second app can register again', async () => {
    for (let round = 0; round < 2; round++) {
      const app = await startApp(ObservabilityAppModule.with({ metrics: {} }));
      try {
        expect(await register.metrics()).toContain('# TYPE ws_messages_received_total counter');
        await request(app.app.getHttpServer()).get('/metrics').expect(404); // no path: no route
      } finally {
        await app.app.close();
      }
      expect(register.getSingleMetric('ws_messages_received_total')).toBeUndefined();
    }
  });

  it('serves the same route with its Content-Type under Fastify', async () => {
    const app = await startApp<NestFastifyApplication>(ObservabilityAppModule.with({ metrics: { path: 'metrics', registry: new Registry() } }), {
      adapter: new FastifyAdapter(),
    });
    try {
      const response = await fetch(app.httpUrl('/metrics'));

      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
      expect(await response.text()).toContain('ws_connections{gateway="MeteredGateway"} 0');
    } finally {
      await app.app.close();
    }
  });

  it('takes another prefix and other duration buckets', async () => {
    const own = new Registry();
    const app = await startApp(ObservabilityAppModule.with({ metrics: { registry: own, prefix: 'chat_', durationBuckets: [0.5, 1] } }));
    try {
      const client = await EnvelopeClient.connect(app.wsUrl('/metered'));
      await client.request('echo', 1);
      await client.close();

      const text = await own.metrics();

      expect(text).toContain('# TYPE chat_connections gauge');
      expect(text).not.toContain('ws_connections');
      expect(text).toContain('chat_handler_duration_seconds_bucket{le="0.5",gateway="MeteredGateway",event="echo"} 1');
      expect(text).toContain('chat_handler_duration_seconds_bucket{le="1",gateway="MeteredGateway",event="echo"} 1');
    } finally {
      await app.app.close();
    }
  });
});
