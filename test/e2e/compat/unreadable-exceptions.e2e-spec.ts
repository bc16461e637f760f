// STYLE.md §10, found while mapping @nestjs/websockets' WsException by shape: user code may throw a
// value that throws on every look (a revoked Proxy), or a WsException whose getError() throws. Each
// is answered INTERNAL, the connection keeps serving, and the line is logged.
import { ArgumentsHost, Catch, ExceptionFilter, Module, UseFilters, UseInterceptors } from '@nestjs/common';
import { WsException as NestWsException } from '@nestjs/websockets';
import { Gateway, OnMessage, WebSocketModule } from '../../../lib';
import { handlerFailed } from '../../../lib/gateway/messages';
import { connectToGateway } from '../../../lib/testing';
import { ErrorLines, PassThroughInterceptor, useCompatApp } from './compat-app';

class UnreadableWsException extends NestWsException {
  override getError(): string | object {
    throw new Error('getError exploded');
  }
}

const revokedProxy = (): object => {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
};

const throwingGetError = (): Error =>
  Object.defineProperty(new Error('x'), 'getError', {
    get(): never {
      throw new Error('getter exploded');
    },
  });

class RoomFullError extends Error {}

/** Makes Nest match the thrown value against an exception class. */
@Catch(RoomFullError)
class RoomFullFilter implements ExceptionFilter {
  catch(_error: RoomFullError, _host: ArgumentsHost): { code: string; message: string } {
    return { code: 'ROOM_FULL', message: 'full' };
  }
}

class Throwers {
  @OnMessage('revoked-proxy')
  revokedProxy(): never {
    throw revokedProxy();
  }

  @OnMessage('get-error-throws')
  getErrorThrows(): never {
    throw new UnreadableWsException('x');
  }

  @OnMessage('get-error-getter-throws')
  async getErrorGetterThrows(): Promise<never> {
    throw throwingGetError();
  }

  @OnMessage('ok')
  ok(): string {
    return 'still serving';
  }
}

/** No enhancer: the direct path. */
@Gateway({ path: '/direct' })
class UnreadableGateway extends Throwers {}

/** Nest's pipeline, with a filter that has exception classes to match. */
@Gateway({ path: '/pipeline' })
@UseInterceptors(PassThroughInterceptor)
@UseFilters(RoomFullFilter)
class FilteredGateway extends Throwers {}

@Module({ imports: [WebSocketModule.forRoot({})], providers: [UnreadableGateway, FilteredGateway] })
class AppModule {}

describe('exceptions that cannot be read', () => {
  const logger = new ErrorLines();
  const app = useCompatApp(AppModule, { logger });


  describe.each([
    ['/direct', 'UnreadableGateway'],
    ['/pipeline', 'FilteredGateway'],
  ])('on %s', (path, gatewayName) => {
    it.each([
      ['revoked-proxy', 'revokedProxy'],
      ['get-error-throws', 'getErrorThrows'],
      ['get-error-getter-throws', 'getErrorGetterThrows'],
    ])('answers "%s" INTERNAL, keeps serving, and logs the handler', async (event, methodName) => {
      const ws = await connectToGateway(app(), path);

      await expect(ws.request(event)).rejects.toMatchObject({ code: 'INTERNAL' });
      await expect(ws.request('ok')).resolves.toBe('still serving');
      expect(logger.lines).toContain(handlerFailed(gatewayName, methodName));
    });
  });
});
