import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { get as httpsGet } from 'node:https';
import { generate } from 'selfsigned';
import request from 'supertest';
import { HostingModule } from '../../fixtures/gateways/hosting.gateway';
import { startApp, StartedApp } from '../../fixtures/gateways/test-app';
import { WsTestClient } from '../../helpers/ws-test-client';

/** GET over HTTPS, trusting the test's self-signed certificate. */
const getJson = (url: string): Promise<{ status: number; body: unknown }> =>
  new Promise((resolve, reject) => {
    httpsGet(url, { rejectUnauthorized: false }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) }));
    }).on('error', reject);
  });

describe('hosting', () => {
  let started: StartedApp | undefined;
  const clients: WsTestClient[] = [];

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await started?.app.close();
    started = undefined;
  });

  describe('on Fastify', () => {
    beforeEach(async () => {
      started = await startApp<NestFastifyApplication>(HostingModule, { adapter: new FastifyAdapter() });
    });

    it('accepts WebSocket upgrades and dispatches envelopes', async () => {
      const client = await WsTestClient.connect(started!.wsUrl('/live'));
      clients.push(client);

      expect(await client.request('echo', { via: 'fastify' }, 1)).toEqual({ event: 'echo', data: { via: 'fastify' }, id: 1 });
    });

    it('keeps serving HTTP routes next to the gateway', async () => {
      const client = await WsTestClient.connect(started!.wsUrl('/live'));
      clients.push(client);

      const response = await request(started!.httpUrl('')).get('/health');

      expect(response.status).toBe(200);
      expect(response.body).toEqual({ ok: true, connections: 1 });
    });

    it('answers HTTP 404 to an upgrade on a path no gateway serves', async () => {
      expect((await WsTestClient.refusal(started!.wsUrl('/nowhere'))).status).toBe(404);
    });

    it('closes clients with 1001 on app.close()', async () => {
      const client = await WsTestClient.connect(started!.wsUrl('/live'));
      await started!.app.close();
      started = undefined;

      expect(await client.closed()).toEqual({ code: 1001, reason: 'server shutting down' });
    });
  });

  describe('over HTTPS', () => {
    let certificate: { key: string; cert: string };

    beforeAll(async () => {
      const pems = await generate([{ name: 'commonName', value: 'localhost' }], { keySize: 2048, algorithm: 'sha256' });
      certificate = { key: pems.private, cert: pems.cert };
    });

    beforeEach(async () => {
      started = await startApp(HostingModule, { httpsOptions: certificate });
    });

    it('accepts wss:// connections', async () => {
      const client = await WsTestClient.connect(started!.wsUrl('/live'), { rejectUnauthorized: false });
      clients.push(client);

      expect(started!.wsUrl('/live')).toMatch(/^wss:/);
      expect(await client.request('echo', 'over tls', 1)).toEqual({ event: 'echo', data: 'over tls', id: 1 });
      expect((await client.request('whoami')).data).toEqual({ remoteAddress: '127.0.0.1' });
    });

    it('refuses a client that checks the self-signed certificate', async () => {
      await expect(WsTestClient.connect(started!.wsUrl('/live'))).rejects.toThrow(/self[- ]signed/i);
    });

    it('keeps serving HTTPS routes next to the gateway', async () => {
      expect(await getJson(started!.httpUrl('/health'))).toEqual({ status: 200, body: { ok: true, connections: 0 } });
    });
  });

  describe('with enableShutdownHooks()', () => {
    it('still closes clients with 1001 on app.close() and removes its signal listeners', async () => {
      const sigtermListeners = process.listenerCount('SIGTERM');
      started = await startApp(HostingModule, { configure: (app) => app.enableShutdownHooks() });
      expect(process.listenerCount('SIGTERM')).toBe(sigtermListeners + 1);
      const client = await WsTestClient.connect(started.wsUrl('/live'));
      await client.request('echo', 1);

      await started.app.close();
      started = undefined;

      expect(await client.closed()).toEqual({ code: 1001, reason: 'server shutting down' });
      expect(process.listenerCount('SIGTERM')).toBe(sigtermListeners);
    });
  });
});
