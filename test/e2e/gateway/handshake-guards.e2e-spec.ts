import { ConnectionRegistry } from '../../../lib';
import { HandshakeModule } from '../../fixtures/gateways/handshake.gateway';
import { startApp, StartedApp } from '../../fixtures/gateways/test-app';
import { WsTestClient } from '../../helpers/ws-test-client';

describe('handshake guards and origins', () => {
  let started: StartedApp;
  const clients: WsTestClient[] = [];

  const connect = async (path: string, options: Parameters<typeof WsTestClient.connect>[1] = {}): Promise<WsTestClient> => {
    const client = await WsTestClient.connect(started.wsUrl(path), options);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    started = await startApp(HandshakeModule);
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });

  afterAll(async () => {
    await started.app.close();
  });

  describe('@UseHandshakeGuards', () => {
    it('answers HTTP 401 when a guard throws UnauthorizedException, before any connection exists', async () => {
      const refusal = await WsTestClient.refusal(started.wsUrl('/secure'));

      expect(refusal.status).toBe(401);
      expect(refusal.body).toContain('a token is required');
      expect(started.app.get(ConnectionRegistry).count).toBe(0);
    });

    it('answers HTTP 403 when an async guard resolves false', async () => {
      expect((await WsTestClient.refusal(started.wsUrl('/secure?token=forged'))).status).toBe(403);
    });

    it('answers HTTP 403 when a guard throws ForbiddenException', async () => {
      const refusal = await WsTestClient.refusal(started.wsUrl('/secure?token=t-banned'));

      expect(refusal.status).toBe(403);
      expect(refusal.body).toContain('banned');
    });

    it('answers HTTP 500 without details when a guard throws an unexpected error', async () => {
      const refusal = await WsTestClient.refusal(started.wsUrl('/secure?token=t-ada'), { headers: { 'x-tenant': 'explode' } });

      expect(refusal.status).toBe(500);
      expect(refusal.body).not.toContain('tenant store');
    });

    it('puts what the guards attached into client.data, where handlers read it', async () => {
      const client = await connect('/secure?token=t-ada', { headers: { 'x-tenant': 'acme' } });

      expect((await client.request('whoami', undefined, 1)).data).toEqual({ user: { name: 'ada', role: 'admin' }, tenant: 'acme' });
    });

    it('keeps the data of each connection apart', async () => {
      const [ada, bob] = await Promise.all([connect('/secure?token=t-ada'), connect('/secure?token=t-bob')]);

      const [adaView, bobView] = await Promise.all([ada.request('whoami'), bob.request('whoami')]);

      expect(adaView.data).toEqual({ user: { name: 'ada', role: 'admin' }, tenant: 'default' });
      expect(bobView.data).toEqual({ user: { name: 'bob', role: 'member' }, tenant: 'default' });
    });

    it('accepts a guard given as an object instead of a class', async () => {
      expect((await WsTestClient.refusal(started.wsUrl('/inline-guard?open=no'))).status).toBe(403);

      const client = await connect('/inline-guard?open=yes');
      expect((await client.request('hello')).data).toBe('hello');
    });
  });

  describe('allowedOrigins', () => {
    it('answers HTTP 403 to an Origin that is not on the list', async () => {
      const refusal = await WsTestClient.refusal(started.wsUrl('/browser-only'), { origin: 'https://evil.example' });

      expect(refusal.status).toBe(403);
      expect(refusal.body).toContain('https://evil.example');
    });

    it('accepts an Origin on the list', async () => {
      const client = await connect('/browser-only', { origin: 'http://localhost:5173' });

      expect((await client.request('hello', undefined, 1)).data).toBe('hello from an allowed origin');
    });

    it('does not judge clients that send no Origin (non-browser clients)', async () => {
      const client = await connect('/browser-only');

      expect((await client.request('hello')).data).toBe('hello from an allowed origin');
    });

    it('compares origins exactly: another scheme or port is another origin', async () => {
      expect((await WsTestClient.refusal(started.wsUrl('/browser-only'), { origin: 'http://app.example' })).status).toBe(403);
      expect((await WsTestClient.refusal(started.wsUrl('/browser-only'), { origin: 'http://localhost:5174' })).status).toBe(403);
    });
  });
});
