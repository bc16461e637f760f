// The sample's observability endpoints (DESIGN.md, "Wire contract: the sample app"): GET /metrics,
// GET /health, GET /dashboard and the feed behind it, ws /dashboard-feed.
import request from 'supertest';
import { WebSocketStatsSnapshot } from '../../../lib';
import { useSampleApp } from '../../helpers/sample-suite';

describe('the sample’s observability endpoints', () => {
  const suite = useSampleApp();

  it('serves Prometheus text at GET /metrics, with a series per sample gateway', async () => {
    const response = await request(suite.app.server).get('/metrics').expect(200).expect('Content-Type', 'text/plain; version=0.0.4; charset=utf-8');

    const gateways = [...response.text.matchAll(/^ws_connections\{gateway="(\w+)"\} \d+$/gm)].map(([, gateway]) => gateway).sort();
    expect(gateways).toEqual(['BenchGateway', 'ChatGateway', 'DashboardGateway', 'EchoGateway', 'PrivateGateway']);
  });

  it('answers GET /health with terminus’s ok and the websocket indicator up', async () => {
    const response = await request(suite.app.server).get('/health').expect(200);

    expect(response.body).toMatchObject({ status: 'ok', info: { websocket: { status: 'up', isServing: true, adapterConnected: true } } });
  });

  it('serves the dashboard page at GET /dashboard, wired to ws /dashboard-feed', async () => {
    const response = await request(suite.app.server).get('/dashboard').expect(200).expect('Content-Type', 'text/html; charset=utf-8');

    expect(response.text).toContain('/dashboard-feed');
    for (const id of ['connections', 'rooms', 'rate-in', 'rate-out', 'chart-rates', 'chart-connections', 'chart-closes', 'chart-errors']) {
      expect(response.text).toContain(`id="${id}"`);
    }
  });

  it('pushes a snapshot to a dashboard as it connects, then a newer one each second that counts the traffic in between', async () => {
    const feed = await suite.connect('/dashboard-feed');
    const first = (await feed.next('stats')).data as WebSocketStatsSnapshot;
    const bench = await suite.connect('/bench');
    await bench.request('echo', 'a');
    await bench.request('echo', 'b');

    const second = (await feed.next('stats')).data as WebSocketStatsSnapshot;

    expect(second.timestamp).toBeGreaterThan(first.timestamp);
    expect(second.gateways.BenchGateway.messagesIn - first.gateways.BenchGateway.messagesIn).toBe(2);
    expect(second.connections - first.connections).toBe(1);
  });

  it('answers a snapshot request on the feed at once', async () => {
    const feed = await suite.connect('/dashboard-feed');

    const reply = await feed.request('snapshot');

    expect(reply.event).toBe('snapshot');
    expect((reply.data as WebSocketStatsSnapshot).gateways.DashboardGateway.connections).toBeGreaterThanOrEqual(1);
  });
});
