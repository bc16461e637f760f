import { LoggerService, Module } from '@nestjs/common';
import { Gateway, OnMessage, WebSocketModule } from '../../lib';
import { originNotAllowed, originRefusedOnce } from '../../lib/gateway/messages';
import { startApp, StartedApp } from '../fixtures/gateways/test-app';
import { WsTestClient } from '../helpers/ws-test-client';

// Cross-site WebSocket hijacking (RFC 6455 §10.2): a page on another site opens a socket to a
// gateway that trusts the user's cookies. DESIGN.md "Defaults": same-origin pages only unless
// allowedOrigins widens it; a request without Origin (not a browser) is not judged.

@Gateway({ path: '/default' })
class DefaultPolicyGateway {
  @OnMessage('hello')
  hello(): string {
    return 'hello';
  }
}

@Gateway({ path: '/listed', allowedOrigins: ['https://partner.example'] })
class ListedOriginsGateway {}

@Gateway({ path: '/any', allowedOrigins: '*' })
class AnyOriginGateway {}

@Module({ imports: [WebSocketModule.forRoot({})], providers: [DefaultPolicyGateway, ListedOriginsGateway, AnyOriginGateway] })
class CrossSiteModule {}

class RecordingLogger implements LoggerService {
  readonly warnings: string[] = [];
  log(): void {}
  error(): void {}
  warn(message: unknown): void {
    this.warnings.push(String(message));
  }
}

describe('cross-site WebSocket hijacking: same-origin by default', () => {
  let started: StartedApp;
  const logger = new RecordingLogger();
  const clients: WsTestClient[] = [];

  beforeAll(async () => {
    started = await startApp(CrossSiteModule, { logger });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });
  afterAll(async () => {
    await started.app.close();
  });

  const connect = async (path: string, origin?: string): Promise<WsTestClient> => {
    const client = await WsTestClient.connect(started.wsUrl(path), origin === undefined ? {} : { origin });
    clients.push(client);
    return client;
  };
  const ownOrigin = (): string => `http://127.0.0.1:${started.port}`;

  it('answers 403 to a page of another site on a gateway with default options, and logs why', async () => {
    const refusal = await WsTestClient.refusal(started.wsUrl('/default'), { origin: 'https://evil.example' });

    expect({ status: refusal.status, body: refusal.body }).toEqual({ status: 403, body: `${originNotAllowed('https://evil.example')}\n` });
    expect(logger.warnings).toContain(originRefusedOnce('DefaultPolicyGateway', '/default', 'https://evil.example'));
  });

  it('answers 403 to another port of the same host, and to an opaque origin ("null")', async () => {
    for (const origin of [`http://127.0.0.1:${started.port + 1}`, 'http://localhost:' + started.port, 'null']) {
      expect({ origin, status: (await WsTestClient.refusal(started.wsUrl('/default'), { origin })).status }).toEqual({ origin, status: 403 });
    }
  });

  it('accepts a same-origin page, and a client that sends no Origin', async () => {
    const page = await connect('/default', ownOrigin());
    const service = await connect('/default');

    expect((await page.request('hello')).data).toBe('hello');
    expect((await service.request('hello')).data).toBe('hello');
  });

  it('widens the policy with an allow-list: listed and same-origin pages get in, others get 403', async () => {
    await expect(connect('/listed', 'https://partner.example')).resolves.toBeInstanceOf(WsTestClient);
    await expect(connect('/listed', ownOrigin())).resolves.toBeInstanceOf(WsTestClient);

    expect((await WsTestClient.refusal(started.wsUrl('/listed'), { origin: 'https://evil.example' })).status).toBe(403);
  });

  it("accepts any origin with allowedOrigins: '*'", async () => {
    await expect(connect('/any', 'https://evil.example')).resolves.toBeInstanceOf(WsTestClient);
    await expect(connect('/any', 'null')).resolves.toBeInstanceOf(WsTestClient);
  });

  it('logs one warning per gateway that names allowedOrigins, however many foreign pages it refuses', async () => {
    for (let i = 0; i < 20; i++) await WsTestClient.refusal(started.wsUrl(i % 2 ? '/default' : '/listed'), { origin: `https://evil-${i}.example` });

    const originWarnings = logger.warnings.filter((line) => line.includes('allowedOrigins'));
    expect(originWarnings.map((line) => line.split(' ', 1)[0]).sort()).toEqual(['DefaultPolicyGateway', 'ListedOriginsGateway']);
  });
});
