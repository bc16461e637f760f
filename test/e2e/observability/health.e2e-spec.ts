// WebSocketHealthIndicator under @nestjs/terminus: GET /health answers from the WebSocket side.
import { Controller, Get, Module } from '@nestjs/common';
import { HealthCheck, HealthCheckResult, HealthCheckService, HealthIndicatorFunction, TerminusModule } from '@nestjs/terminus';
import request from 'supertest';
import { AdapterStats, MemoryAdapter, WebSocketHealthIndicator, WebSocketHealthOptions, WebSocketModule } from '../../../lib';
import { EnvelopeClient } from '../../helpers/envelope-client';
import { startApp, StartedApp } from '../../fixtures/gateways/test-app';
import { GuardedGateway } from './observability.fixtures';

/** A MemoryAdapter whose link to the other nodes is down, as a RedisAdapter's is while Redis is. */
class DisconnectedAdapter extends MemoryAdapter {
  override stats(): AdapterStats {
    return { isConnected: false, undelivered: 3, outages: 1 };
  }
}

@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly websocket: WebSocketHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check(): Promise<HealthCheckResult> {
    // Typed against terminus's own HealthIndicatorFunction: the indicator needs no import from it.
    const indicator: HealthIndicatorFunction = () => this.websocket.isHealthy('websocket', healthOptions.current);
    return this.health.check([indicator]);
  }
}

/** Per-test options of the indicator. */
const healthOptions: { current: WebSocketHealthOptions } = { current: {} };

const appWith = (adapter?: MemoryAdapter) => {
  @Module({
    imports: [WebSocketModule.forRoot({ adapter }), TerminusModule],
    controllers: [HealthController],
    providers: [GuardedGateway],
  })
  class HealthAppModule {}
  return HealthAppModule;
};

describe('WebSocketHealthIndicator', () => {
  const apps: StartedApp[] = [];

  afterEach(async () => {
    healthOptions.current = {};
    await Promise.all(apps.splice(0).map((started) => started.app.close()));
  });

  const start = async (adapter?: MemoryAdapter): Promise<StartedApp> => {
    const started = await startApp(appWith(adapter));
    apps.push(started);
    return started;
  };

  it('reports up, with the open connections, while the gateways serve and the adapter is connected', async () => {
    const started = await start();
    const client = await EnvelopeClient.connect(started.wsUrl('/guarded'));

    const response = await request(started.app.getHttpServer()).get('/health').expect(200);
    await client.close();

    expect(response.body).toMatchObject({
      status: 'ok',
      details: { websocket: { status: 'up', isServing: true, connections: 1, adapterConnected: true } },
    });
  });

  it('reports degraded, still with 200, when the adapter has lost the other nodes', async () => {
    const started = await start(new DisconnectedAdapter());

    const response = await request(started.app.getHttpServer()).get('/health').expect(200);

    expect(response.body).toMatchObject({
      status: 'degraded',
      details: { websocket: { status: 'degraded', adapterConnected: false, message: 'the rooms adapter cannot reach the other nodes' } },
    });
  });

  it("reports down with 503 when the adapter has lost the other nodes and whenAdapterDisconnected is 'down'", async () => {
    const started = await start(new DisconnectedAdapter());
    healthOptions.current = { whenAdapterDisconnected: 'down' };

    const response = await request(started.app.getHttpServer()).get('/health').expect(503);

    expect(response.body).toMatchObject({ status: 'error', error: { websocket: { status: 'down', adapterConnected: false } } });
  });

  it('reports down with 503 once the node holds maxConnections open connections', async () => {
    const started = await start();
    healthOptions.current = { maxConnections: 1 };
    const client = await EnvelopeClient.connect(started.wsUrl('/guarded'));

    const response = await request(started.app.getHttpServer()).get('/health').expect(503);
    await client.close();

    expect(response.body.error.websocket).toEqual({
      status: 'down',
      isServing: true,
      connections: 1,
      adapterConnected: true,
      message: '1 open connections, at the limit of 1',
    });
  });

  it('reports down once shutdown began, under the key it is given', async () => {
    const started = await start();
    const indicator = started.app.get(WebSocketHealthIndicator);

    await started.app.close();
    apps.splice(apps.indexOf(started), 1);

    expect(await indicator.isHealthy('ws')).toEqual({
      ws: { status: 'down', isServing: false, connections: 0, adapterConnected: true, message: 'the gateways are not accepting connections' },
    });
  });
});
