import { INestApplication, Provider, ValidationPipe } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import { ContextProbe, DenyEventGuard, HandlerCalls, TeapotFilter, WrapInterceptor } from '../../fixtures/gateways/enhancers';
import { EnhancersModule } from '../../fixtures/gateways/enhancers.gateway';
import { startApp, StartedApp } from '../../fixtures/gateways/test-app';
import { WsTestClient } from '../../helpers/ws-test-client';
import { ConnectionRegistry } from '../../../lib';

describe('Nest enhancers on gateway handlers', () => {
  let started: StartedApp | undefined;
  const clients: WsTestClient[] = [];

  /** Starts the enhancer gateways with extra providers and a configure step (global enhancers). */
  const start = async (extraProviders: Provider[] = [], configure?: (app: INestApplication) => void): Promise<StartedApp> => {
    started = await startApp(EnhancersModule.with(extraProviders), { configure });
    return started;
  };

  const connect = async (path: string): Promise<WsTestClient> => {
    if (!started) throw new Error('start the app first');
    const client = await WsTestClient.connect(started.wsUrl(path));
    clients.push(client);
    return client;
  };

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await started?.app.close();
    started = undefined;
  });

  describe('guards', () => {
    it('answers FORBIDDEN when a method guard returns false, and the handler does not run', async () => {
      const { app } = await start();
      const client = await connect('/guarded');

      expect(await client.request('admin', { role: 'guest' }, 1)).toEqual({
        event: 'error',
        data: { event: 'admin', code: 'FORBIDDEN', message: 'Forbidden resource' },
        id: 1,
      });
      expect(app.get(HandlerCalls).events).toEqual([]);
    });

    it('runs the handler when the method guard returns true', async () => {
      const { app } = await start();
      const client = await connect('/guarded');

      expect(await client.request('admin', { role: 'admin' }, 2)).toEqual({ event: 'admin', data: 'welcome, admin', id: 2 });
      expect(app.get(HandlerCalls).events).toEqual(['admin']);
    });

    it("gives a guard a 'ws' ExecutionContext whose switchToWs() returns the connection, the data and the event", async () => {
      const { app } = await start();
      const client = await connect('/guarded');

      await client.request('admin', { role: 'admin', extra: 1 }, 3);

      const [connection] = app.get(ConnectionRegistry).all();
      expect(app.get(ContextProbe).snapshots).toEqual([
        {
          type: 'ws',
          isWsConnection: true,
          clientId: connection.id,
          data: { role: 'admin', extra: 1 },
          pattern: 'admin',
          handler: 'admin',
          gatewayClass: 'GuardedGateway',
        },
      ]);
    });

    it("answers a guard's WsException with its own code and details", async () => {
      const { app } = await start();
      const client = await connect('/guarded');

      expect(await client.request('members-only', undefined, 1)).toEqual({
        event: 'error',
        data: { event: 'members-only', code: 'MEMBERS_ONLY', message: 'join first', details: { event: 'members-only' } },
        id: 1,
      });
      expect(app.get(HandlerCalls).events).toEqual([]);
    });

    it("lets an exception filter present a refusing guard's ForbiddenException", async () => {
      const { app } = await start();
      const client = await connect('/guarded');

      expect(await client.request('admin-filtered', { role: 'guest' }, 1)).toEqual({
        event: 'error',
        data: { code: 'KEEP_OUT', message: 'not allowed: admin-filtered' },
        id: 1,
      });
      expect(app.get(HandlerCalls).events).toEqual([]);
    });

    it('applies a class guard to every handler of the gateway', async () => {
      const { app } = await start();
      const client = await connect('/class-guarded');

      expect((await client.request('first', { blocked: true }, 1)).data).toMatchObject({ code: 'FORBIDDEN' });
      expect((await client.request('second', { blocked: true }, 2)).data).toMatchObject({ code: 'FORBIDDEN' });
      expect(await client.request('second', { blocked: false }, 3)).toEqual({ event: 'second', data: 'second ran', id: 3 });
      expect(app.get(HandlerCalls).events).toEqual(['second']);
    });

    it('applies a guard registered with app.useGlobalGuards()', async () => {
      const { app } = await start([], (nest) => nest.useGlobalGuards(new DenyEventGuard('global-denied')));
      const client = await connect('/guarded');

      expect(await client.request('global-denied', undefined, 1)).toEqual({
        event: 'error',
        data: { event: 'global-denied', code: 'FORBIDDEN', message: 'Forbidden resource' },
        id: 1,
      });
      expect(await client.request('open', undefined, 2)).toEqual({ event: 'open', data: 'opened', id: 2 });
      expect(app.get(HandlerCalls).events).toEqual(['open']);
    });

    it('applies a guard provided as APP_GUARD', async () => {
      const { app } = await start([{ provide: APP_GUARD, useFactory: () => new DenyEventGuard('app-denied') }]);
      const client = await connect('/guarded');

      expect((await client.request('app-denied', undefined, 1)).data).toEqual({
        event: 'app-denied',
        code: 'FORBIDDEN',
        message: 'Forbidden resource',
      });
      expect(await client.request('global-denied', undefined, 2)).toEqual({ event: 'global-denied', data: 'ran', id: 2 });
      expect(app.get(HandlerCalls).events).toEqual(['global-denied']);
    });
  });

  describe('pipes', () => {
    it('answers VALIDATION_FAILED with the constraint messages when ValidationPipe rejects the body', async () => {
      await start();
      const client = await connect('/validated');

      const reply = await client.request('create-room', { name: 'ab', capacity: 99, extra: true }, 1);

      expect(reply).toEqual({
        event: 'error',
        data: {
          event: 'create-room',
          code: 'VALIDATION_FAILED',
          message: 'validation failed',
          details: expect.arrayContaining([
            'property extra should not exist',
            'name must be longer than or equal to 3 characters',
            'capacity must not be greater than 50',
          ]),
        },
        id: 1,
      });
    });

    it('answers VALIDATION_FAILED (never INTERNAL) when the body is not even an object', async () => {
      await start();
      const client = await connect('/validated');

      const reply = await client.request<{ code: string; details: string[] }>('create-room', 'just a string', 2);

      expect(reply.event).toBe('error');
      expect(reply.data?.code).toBe('VALIDATION_FAILED');
      expect(reply.data?.details).toEqual(expect.arrayContaining([expect.stringContaining('name')]));
    });

    it('hands the handler a DTO instance when ValidationPipe transforms a valid body', async () => {
      await start();
      const client = await connect('/validated');

      expect(await client.request('create-room', { name: 'lobby', capacity: 10 }, 3)).toEqual({
        event: 'create-room',
        data: { isDto: true, name: 'lobby', capacity: 10 },
        id: 3,
      });
    });

    it('runs a pipe given to @MessageBody(property, pipe) on that property only', async () => {
      await start();
      const client = await connect('/validated');

      expect((await client.request('take', { count: '42' }, 1)).data).toEqual({ count: 42, type: 'number' });
      expect((await client.request('take', { count: 'many' }, 2)).data).toEqual({
        event: 'take',
        code: 'BAD_REQUEST',
        message: 'Validation failed (numeric string is expected)',
      });
    });

    it('applies a pipe registered with app.useGlobalPipes()', async () => {
      await start([], (app) => app.useGlobalPipes(new ValidationPipe({ transform: true })));
      const client = await connect('/validated');

      expect((await client.request('create-room-unpiped', { name: 'x', capacity: 1 }, 1)).data).toMatchObject({
        code: 'VALIDATION_FAILED',
        details: expect.arrayContaining(['capacity must not be less than 2']),
      });
      expect((await client.request('create-room-unpiped', { name: 'lobby', capacity: 2 }, 2)).data).toEqual({ isDto: true });
    });

    it('applies a pipe provided as APP_PIPE', async () => {
      await start([{ provide: APP_PIPE, useFactory: () => new ValidationPipe() }]);
      const client = await connect('/validated');

      expect((await client.request('create-room-unpiped', { capacity: 5 }, 1)).data).toMatchObject({
        code: 'VALIDATION_FAILED',
        details: expect.arrayContaining(['name must be a string']),
      });
    });
  });

  describe('interceptors', () => {
    it('lets a method interceptor transform the reply', async () => {
      await start();
      const client = await connect('/intercepted');

      expect(await client.request('wrapped', { a: 1 }, 1)).toEqual({ event: 'wrapped', data: { method: { a: 1 } }, id: 1 });
      expect(await client.request('plain', { a: 1 }, 2)).toEqual({ event: 'plain', data: { a: 1 }, id: 2 });
    });

    it('lets an interceptor transform every emission of an Observable reply', async () => {
      await start();
      const client = await connect('/intercepted');

      await client.sendEvent('wrapped-stream', undefined, 7);

      expect([await client.nextEnvelope(), await client.nextEnvelope()]).toEqual([
        { event: 'wrapped-stream', data: { method: 1 }, id: 7 },
        { event: 'wrapped-stream', data: { method: 2 }, id: 7 },
      ]);
    });

    it('applies an interceptor registered with app.useGlobalInterceptors(), outside the method one', async () => {
      await start([], (app) => app.useGlobalInterceptors(new WrapInterceptor('global')));
      const client = await connect('/intercepted');

      expect((await client.request('plain', 'x', 1)).data).toEqual({ global: 'x' });
      expect((await client.request('wrapped', 'x', 2)).data).toEqual({ global: { method: 'x' } });
    });

    it('applies an interceptor provided as APP_INTERCEPTOR', async () => {
      await start([{ provide: APP_INTERCEPTOR, useFactory: () => new WrapInterceptor('app') }]);
      const client = await connect('/intercepted');

      expect((await client.request('plain', 'x', 1)).data).toEqual({ app: 'x' });
    });
  });

  describe('exception filters', () => {
    it("makes a method filter's return value the data of the error envelope", async () => {
      await start();
      const client = await connect('/filtered');

      expect(await client.request('method-filtered', undefined, 1)).toEqual({
        event: 'error',
        data: { code: 'TEAPOT', message: 'method pot is a teapot', by: 'method', event: 'method-filtered', hostType: 'ws' },
        id: 1,
      });
    });

    it('uses a class filter for every handler of the gateway, including async ones', async () => {
      await start();
      const client = await connect('/filtered');

      expect((await client.request('class-filtered', undefined, 1)).data).toMatchObject({ by: 'class', event: 'class-filtered' });
      expect((await client.request('async-filtered', undefined, 2)).data).toMatchObject({
        by: 'class',
        message: 'async pot is a teapot',
      });
    });

    it('leaves errors a filter does not catch to the default mapping', async () => {
      await start();
      const client = await connect('/filtered');

      expect((await client.request('other-error', undefined, 1)).data).toEqual({
        event: 'other-error',
        code: 'INTERNAL',
        message: 'internal error',
      });
    });

    it('sends no error envelope when a filter returns nothing, so the filter can answer through the client', async () => {
      await start();
      const client = await connect('/filtered');

      await client.sendEvent('self-answered', undefined, 1);
      await client.sendEvent('method-filtered', undefined, 2);

      expect(await client.nextEnvelope()).toEqual({ event: 'teapot-noticed', data: { pot: 'quiet pot' } });
      expect(await client.nextEnvelope()).toMatchObject({ event: 'error', id: 2 });
    });

    it('applies a filter registered with app.useGlobalFilters()', async () => {
      await start([], (app) => app.useGlobalFilters(new TeapotFilter('global')));
      const client = await connect('/unfiltered');

      expect(await client.request('teapot', undefined, 1)).toEqual({
        event: 'error',
        data: { code: 'TEAPOT', message: 'plain pot is a teapot', by: 'global', event: 'teapot', hostType: 'ws' },
        id: 1,
      });
    });

    it('applies a filter provided as APP_FILTER', async () => {
      await start([{ provide: APP_FILTER, useFactory: () => new TeapotFilter('app') }]);
      const client = await connect('/unfiltered');

      expect((await client.request('teapot', undefined, 1)).data).toMatchObject({ code: 'TEAPOT', by: 'app' });
    });
  });
});
