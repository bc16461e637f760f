import { DynamicModule } from '@nestjs/common';
import request from 'supertest';
import { createServer } from 'node:net';
import { ConnectionRegistry } from '../../../lib';
import { duplicateHandler, duplicatePath } from '../../../lib/gateway/messages';
import {
  CappedModule,
  DuplicateHandlerModule,
  DuplicatePathModule,
  FeatureAppModule,
  LimitsAppModule,
  ManyPathsModule,
  ownPortModule,
} from '../../fixtures/gateways/module.gateway';
import { freePort, startApp, StartedApp } from '../../fixtures/gateways/test-app';
import { waitUntil, WsTestClient } from '../../helpers/ws-test-client';

describe('WebSocketModule', () => {
  let started: StartedApp | undefined;
  const clients: WsTestClient[] = [];

  const connect = async (url: string): Promise<WsTestClient> => {
    const client = await WsTestClient.connect(url);
    clients.push(client);
    return client;
  };

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await started?.app.close();
    started = undefined;
  });

  /** Sends `bytes` of text to `path` and returns the answer, or the close it caused. */
  const sendSized = async (path: string, bytes: number): Promise<string | { closedWith: number }> => {
    if (!started) throw new Error('start the app first');
    const client = await connect(started.wsUrl(path));
    await client.sendRaw('x'.repeat(bytes));
    try {
      return (await client.nextMessage()).data as string;
    } catch {
      return { closedWith: (await client.closed()).code };
    }
  };

  describe.each<[string, (settings: Record<string, string>) => DynamicModule]>([
    ['forRoot(options)', (settings) => LimitsAppModule.forRoot({ maxMessageBytes: Number(settings.WS_MAX_MESSAGE_BYTES) })],
    ['forRootAsync({ imports, inject, useFactory })', (settings) => LimitsAppModule.forRootAsyncWithFactory(settings)],
    ['forRootAsync({ imports, useClass })', (settings) => LimitsAppModule.forRootAsyncWithClass(settings)],
  ])('configured with %s', (_how, moduleWith) => {
    beforeEach(async () => {
      started = await startApp(moduleWith({ WS_MAX_MESSAGE_BYTES: '1024' }));
    });

    it('accepts a message of exactly maxMessageBytes', async () => {
      expect(await sendSized('/limits', 1024)).toBe('got 1024');
    });

    it('closes with 1009 when a message exceeds the module maxMessageBytes', async () => {
      expect(await sendSized('/limits', 1025)).toEqual({ closedWith: 1009 });
    });

    it("lets a gateway's own maxMessageBytes override the module's", async () => {
      expect(await sendSized('/roomy', 2000)).toBe('got 2000');
      expect(await sendSized('/roomy', 4097)).toEqual({ closedWith: 1009 });
    });
  });

  it('refuses to start when two gateways are bound to one path, naming both', async () => {
    await expect(startApp(DuplicatePathModule)).rejects.toThrow(duplicatePath('/same', ['FirstOnSame', 'SecondOnSame']));
  });

  it('refuses to start when a gateway has two handlers for one event', async () => {
    await expect(startApp(DuplicateHandlerModule)).rejects.toThrow(duplicateHandler('TwiceGateway', 'save'));
  });

  it('serves several gateways on several paths of one server, each with its own handlers', async () => {
    started = await startApp(ManyPathsModule);

    const answers = await Promise.all(
      ['/alpha', '/beta', '/api/v1/nested', '/slashed', '/alpha/?x=1'].map(async (path) => {
        const client = await connect(started!.wsUrl(path));
        return (await client.request('name')).data;
      }),
    );

    expect(answers).toEqual(['AlphaGateway', 'BetaGateway', 'NestedGateway', 'SlashedGateway', 'AlphaGateway']);
  });

  it('answers HTTP 404 to an upgrade on a path no gateway serves, and plain HTTP still works', async () => {
    started = await startApp(ManyPathsModule);

    expect((await WsTestClient.refusal(started.wsUrl('/gamma'))).status).toBe(404);
    expect((await WsTestClient.refusal(started.wsUrl('/api/v1'))).status).toBe(404);
    expect((await request(started.app.getHttpServer()).get('/alpha')).status).toBe(404); // no controller there
  });

  it('answers HTTP 503 past the module-wide maxConnections', async () => {
    started = await startApp(CappedModule);
    await connect(started.wsUrl('/limits'));
    await connect(started.wsUrl('/limits'));

    expect((await WsTestClient.refusal(started.wsUrl('/limits'))).status).toBe(503);

    await clients.pop()?.close();
    const registry = started.app.get(ConnectionRegistry);
    await waitUntil(() => registry.count === 1, () => 'the server still counts the closed connection');
    const replacement = await connect(started.wsUrl('/limits'));
    expect(replacement.socket.readyState).toBe(replacement.socket.OPEN);
  });

  it('serves a gateway declared in a feature module, with Rooms and ConnectionRegistry injected', async () => {
    started = await startApp(FeatureAppModule);
    const client = await connect(started.wsUrl('/feature'));

    expect((await client.request('join', { room: 'r' })).data).toEqual({ members: 1, connections: 1 });
  });

  it('keeps the connections of two applications in one process apart', async () => {
    started = await startApp(FeatureAppModule);
    const other = await startApp(FeatureAppModule);
    try {
      const first = await connect(started.wsUrl('/feature'));
      await connect(other.wsUrl('/feature'));
      const second = await connect(other.wsUrl('/feature'));

      expect((await first.request('join', { room: 'r' })).data).toEqual({ members: 1, connections: 1 });
      expect((await second.request('join', { room: 'r' })).data).toEqual({ members: 1, connections: 2 });
      expect(started.app.get(ConnectionRegistry).count).toBe(1);
      expect(other.app.get(ConnectionRegistry).count).toBe(2);
    } finally {
      await Promise.all(clients.splice(0).map((client) => client.close()));
      await other.app.close();
    }
  });

  describe('a gateway with a port of its own', () => {
    it('serves that gateway on its port and the others on the application server', async () => {
      const port = await freePort();
      started = await startApp(ownPortModule(port));

      const side = await connect(`ws://127.0.0.1:${port}/side`);
      const main = await connect(started.wsUrl('/main'));

      expect((await side.request('where')).data).toBe(`port ${port}`);
      expect((await main.request('where')).data).toBe('app server');
      expect((await WsTestClient.refusal(started.wsUrl('/side'))).status).toBe(404);
      expect((await WsTestClient.refusal(`ws://127.0.0.1:${port}/main`)).status).toBe(404);
    });

    it('answers plain HTTP on its port with 426', async () => {
      const port = await freePort();
      started = await startApp(ownPortModule(port));

      const response = await request(`http://127.0.0.1:${port}`).get('/side');

      expect(response.status).toBe(426);
      expect(response.headers.upgrade).toBe('websocket');
    });

    it('closes its clients with 1001 and frees its port on app.close()', async () => {
      const port = await freePort();
      started = await startApp(ownPortModule(port));
      const side = await WsTestClient.connect(`ws://127.0.0.1:${port}/side`);

      await started.app.close();
      started = undefined;

      expect(await side.closed()).toEqual({ code: 1001, reason: 'server shutting down' });
      const probe = createServer();
      await new Promise<void>((resolve, reject) => probe.once('error', reject).listen(port, '127.0.0.1', resolve));
      await new Promise((resolve) => probe.close(resolve));
    });
  });
});
