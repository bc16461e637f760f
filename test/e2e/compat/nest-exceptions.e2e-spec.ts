// Problem 4 of issue 16: exceptions and exception filters of @nestjs/websockets, kept by code moved
// from Nest's adapters. @nestjs/websockets is a devDependency: the library knows its classes by shape.
import { ArgumentsHost, CanActivate, Catch, Injectable, Module, UseFilters, UseGuards } from '@nestjs/common';
import { BaseWsExceptionFilter as NestBaseWsExceptionFilter, WsException as NestWsException } from '@nestjs/websockets';
import { BaseWsExceptionFilter, ConnectedSocket, Gateway, MessageBody, OnMessage, WebSocketModule, WsConnection, WsException } from '../../../lib';
import { NEST_WS_EXCEPTION_CODE } from '../../../lib/gateway/compat/nest-ws-exception';
import { filterFailed, internalError } from '../../../lib/gateway/messages';
import { connectToGateway } from '../../../lib/testing';
import { ErrorLines, useCompatApp } from './compat-app';

class RoomFullException extends NestWsException {
  constructor(room: string) {
    super({ code: 'ROOM_FULL', message: `${room} is full`, room, capacity: 2 });
  }
}

@Injectable()
class MembersOnlyGuard implements CanActivate {
  canActivate(): boolean {
    throw new NestWsException('members only');
  }
}

/** What each handler throws, as apps on @nestjs/websockets throw it. */
class Throwers {
  @OnMessage('text')
  text(): never {
    throw new NestWsException('room is full');
  }

  @OnMessage('object')
  object(): never {
    throw new NestWsException({ code: 'ROOM_FULL', message: 'the room is full' });
  }

  @OnMessage('subclass')
  subclass(@MessageBody() room: string): never {
    throw new RoomFullException(room);
  }

  @OnMessage('ours')
  ours(): never {
    throw new WsException('NOT_A_MEMBER', 'join first');
  }

  @OnMessage('bug')
  bug(): never {
    throw new TypeError('a bug');
  }

  @OnMessage('guarded')
  @UseGuards(MembersOnlyGuard)
  guarded(): string {
    return 'never';
  }

  /** ws-style code: a hand-made envelope through send(). */
  @OnMessage('ws-style')
  wsStyle(@ConnectedSocket() client: WsConnection): void {
    client.send(JSON.stringify({ event: 'pong', data: { at: 1 } }));
  }
}

@Gateway({ path: '/plain' })
class PlainGateway extends Throwers {}

/** Nest's own filter, kept as it was. */
@Gateway({ path: '/nest-filter' })
@UseFilters(new NestBaseWsExceptionFilter())
class NestFilterGateway extends Throwers {}

/** The Nest docs' "Inheritance" filter, importing Nest's base class. */
@Catch()
class NestDocsAllExceptionsFilter extends NestBaseWsExceptionFilter {
  override catch(exception: unknown, host: ArgumentsHost): void {
    super.catch(exception, host);
  }
}

@Gateway({ path: '/nest-docs-filter' })
@UseFilters(NestDocsAllExceptionsFilter)
class NestDocsFilterGateway extends Throwers {}

/** The same filter, importing our base class. */
@Catch()
class AuditFilter extends BaseWsExceptionFilter {
  static readonly seen: string[] = [];

  override catch(exception: unknown, host: ArgumentsHost): void {
    AuditFilter.seen.push(String(host.switchToWs().getPattern()));
    super.catch(exception, host);
  }
}

@Gateway({ path: '/our-filter' })
@UseFilters(AuditFilter)
class OurFilterGateway extends Throwers {}

/** Hands back an exception of its own: ours for a bug, or (data 'unexpected') one the filter did not expect either. */
@Catch(TypeError)
class BugFilter extends BaseWsExceptionFilter<TypeError> {
  override catch(_exception: TypeError, host: ArgumentsHost): void {
    super.catch(host.switchToWs().getData() === 'unexpected' ? new RangeError('made by the filter') : new WsException('BUG', 'a bug, reported'), host);
  }
}

@Gateway({ path: '/converting-filter' })
@UseFilters(BugFilter)
class ConvertingFilterGateway extends Throwers {}

@Module({ imports: [WebSocketModule.forRoot({})], providers: [PlainGateway, NestFilterGateway, NestDocsFilterGateway, OurFilterGateway, ConvertingFilterGateway] })
class AppModule {}

describe('exceptions of @nestjs/websockets', () => {
  const logger = new ErrorLines();
  const app = useCompatApp(AppModule, { logger });

  beforeEach(() => {
    logger.lines.length = 0;
    AuditFilter.seen.length = 0;
  });


  describe('without a filter: the error envelope, and no error line', () => {
    it.each([
      ['text', { event: 'text', code: NEST_WS_EXCEPTION_CODE, message: 'room is full' }],
      ['object', { event: 'object', code: 'ROOM_FULL', message: 'the room is full' }],
      ['subclass', { event: 'subclass', code: 'ROOM_FULL', message: 'lobby is full', details: { code: 'ROOM_FULL', message: 'lobby is full', room: 'lobby', capacity: 2 } }],
      ['guarded', { event: 'guarded', code: NEST_WS_EXCEPTION_CODE, message: 'members only' }],
    ])('answers a Nest WsException thrown for "%s"', async (event, data) => {
      const ws = await connectToGateway(app(), '/plain');
      ws.sendRaw(JSON.stringify({ event, data: 'lobby', id: 1 }));
      expect(JSON.parse(String(await ws.expectMessage()))).toEqual({ event: 'error', data, id: 1 });
      expect(logger.lines).toEqual([]);
    });
  });

  describe("Nest's BaseWsExceptionFilter, kept: the client gets what platform-ws sent", () => {
    it.each(['/nest-filter', '/nest-docs-filter'])('answers a Nest WsException on %s with its exception event', async (path) => {
      const ws = await connectToGateway(app(), path);
      ws.send('text', 'lobby');
      expect(await ws.expectMessage()).toBe('{"event":"exception","data":{"status":"error","message":"room is full","cause":{"pattern":"text","data":"lobby"}}}');
    });

    it('answers an unexpected error with its exception event too', async () => {
      const ws = await connectToGateway(app(), '/nest-filter');
      ws.send('bug');
      expect(JSON.parse(String(await ws.expectMessage()))).toEqual({ event: 'exception', data: { status: 'error', message: 'Internal server error', cause: { pattern: 'bug' } } });
    });
  });

  describe("our BaseWsExceptionFilter: super.catch() gives the default answer", () => {
    it.each([
      ['ours', { event: 'ours', code: 'NOT_A_MEMBER', message: 'join first' }],
      ['text', { event: 'text', code: NEST_WS_EXCEPTION_CODE, message: 'room is full' }],
    ])('answers %s as without the filter, after the filter ran, with no error line', async (event, data) => {
      const ws = await connectToGateway(app(), '/our-filter');
      ws.sendRaw(JSON.stringify({ event, id: 2 }));
      expect(JSON.parse(String(await ws.expectMessage()))).toEqual({ event: 'error', data, id: 2 });
      expect(AuditFilter.seen).toEqual([event]);
      expect(logger.lines).toEqual([]);
    });

    it("answers an unexpected error INTERNAL and logs it once as the handler's", async () => {
      const ws = await connectToGateway(app(), '/our-filter');
      ws.sendRaw('{"event":"bug","id":3}');
      expect(JSON.parse(String(await ws.expectMessage()))).toEqual({ event: 'error', data: { event: 'bug', code: 'INTERNAL', message: internalError() }, id: 3 });
      expect(AuditFilter.seen).toEqual(['bug']);
      expect(logger.lines).toHaveLength(1);
      expect(logger.lines[0]).toContain('OurFilterGateway.bug');
    });
  });

  it("answers the exception a filter hands back instead of the one it caught, as without the filter", async () => {
    const ws = await connectToGateway(app(), '/converting-filter');
    ws.sendRaw('{"event":"bug","id":4}');
    expect(JSON.parse(String(await ws.expectMessage()))).toEqual({ event: 'error', data: { event: 'bug', code: 'BUG', message: 'a bug, reported' }, id: 4 });
    expect(logger.lines).toEqual([]);

    ws.sendRaw('{"event":"bug","data":"unexpected","id":5}');
    expect(JSON.parse(String(await ws.expectMessage()))).toEqual({ event: 'error', data: { event: 'bug', code: 'INTERNAL', message: internalError() }, id: 5 });
    expect(logger.lines).toEqual([filterFailed('BugFilter', 'ConvertingFilterGateway', 'bug')]);
  });

  it('sends an envelope that ws-style code made itself as it is', async () => {
    const ws = await connectToGateway(app(), '/plain');
    ws.send('ws-style');
    expect(await ws.expectMessage()).toBe('{"event":"pong","data":{"at":1}}');
  });
});
