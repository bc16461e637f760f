// Problem 5 of issue 16: an app's global enhancers written for HTTP (the Nest docs' HttpExceptionFilter,
// TransformInterceptor and catch-everything filter, verbatim) reach gateways too. Each context we create
// says getType() 'ws'; an enhancer that assumes HTTP fails into the INTERNAL reply, never into silence.
import {
  ArgumentsHost,
  BadRequestException,
  CallHandler,
  CanActivate,
  Catch,
  Controller,
  ExceptionFilter,
  ExecutionContext,
  Get,
  HttpException,
  HttpStatus,
  INestApplication,
  Injectable,
  Module,
  NestInterceptor,
} from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR, HttpAdapterHost } from '@nestjs/core';
import { Observable } from 'rxjs';
import { map } from 'rxjs/operators';
import request from 'supertest';
import { Gateway, MessageBody, OnMessage, WebSocketModule } from '../../../lib';
import { filterFailed, internalError } from '../../../lib/gateway/messages';
import { closeAllTestClients, connectToGateway, RequestError } from '../../../lib/testing';
import { ErrorLines, startCompatApp } from './compat-app';

/** The docs import these two from 'express' (its types are not installed here): what their filter uses. */
interface Response {
  status(code: number): Response;
  json(body: unknown): void;
}
interface Request {
  url: string;
}

// ---- https://docs.nestjs.com/exception-filters, verbatim ----
@Catch(HttpException)
export class HttpExceptionFilter implements ExceptionFilter {
  catch(exception: HttpException, host: ArgumentsHost) {
    const ctx = host.switchToHttp();
    const response = ctx.getResponse<Response>();
    const request = ctx.getRequest<Request>();
    const status = exception.getStatus();

    response
      .status(status)
      .json({
        statusCode: status,
        timestamp: new Date().toISOString(),
        path: request.url,
      });
  }
}

@Catch()
export class CatchEverythingFilter implements ExceptionFilter {
  constructor(private readonly httpAdapterHost: HttpAdapterHost) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    // In certain situations `httpAdapter` might not be available in the
    // constructor method, thus we should resolve it here.
    const { httpAdapter } = this.httpAdapterHost;

    const ctx = host.switchToHttp();

    const httpStatus =
      exception instanceof HttpException
        ? exception.getStatus()
        : HttpStatus.INTERNAL_SERVER_ERROR;

    const responseBody = {
      statusCode: httpStatus,
      timestamp: new Date().toISOString(),
      path: httpAdapter.getRequestUrl(ctx.getRequest()),
    };

    httpAdapter.reply(ctx.getResponse(), responseBody, httpStatus);
  }
}

// ---- https://docs.nestjs.com/interceptors, verbatim but for `_context` (this repo's tsconfig rejects unused parameters) ----
export interface TransformedResponse<T> {
  data: T;
}

@Injectable()
export class TransformInterceptor<T> implements NestInterceptor<T, TransformedResponse<T>> {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<TransformedResponse<T>> {
    return next.handle().pipe(map(data => ({ data })));
  }
}
// ---- end of the docs' code ----

/** The same interceptor behind the one-line guard docs/migration.md shows. */
@Injectable()
class HttpOnlyTransformInterceptor<T> implements NestInterceptor<T, unknown> {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    return next.handle().pipe(map((data) => ({ data })));
  }
}

/** The filter behind the guard: anything but HTTP is handed back (rethrown) for the default answer. */
@Catch(HttpException)
class HttpOnlyExceptionFilter implements ExceptionFilter {
  catch(exception: HttpException, host: ArgumentsHost) {
    if (host.getType() !== 'http') throw exception;
    host.switchToHttp().getResponse<Response>().status(exception.getStatus()).json({ statusCode: exception.getStatus() });
  }
}

/** Records the type of every context a global guard, interceptor and filter are given. */
@Injectable()
class ContextTypes implements CanActivate, NestInterceptor {
  static readonly seen: string[] = [];
  canActivate(context: ExecutionContext): boolean {
    ContextTypes.seen.push(`guard:${context.getType()}`);
    return true;
  }
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    ContextTypes.seen.push(`interceptor:${context.getType()}`);
    return next.handle();
  }
}

@Catch()
class FilterContextType implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): never {
    ContextTypes.seen.push(`filter:${host.getType()}`);
    throw exception;
  }
}

@Gateway({ path: '/numbers' })
class NumbersGateway {
  @OnMessage('double')
  double(@MessageBody() value: number): number {
    if (typeof value !== 'number') throw new BadRequestException('a number, please');
    return value * 2;
  }

  @OnMessage('bug')
  bug(): never {
    throw new Error('a bug');
  }
}

@Controller('health')
class HealthController {
  @Get()
  health(): string {
    return 'ok';
  }

  @Get('bad')
  bad(): never {
    throw new BadRequestException('bad');
  }
}

describe('global enhancers written for HTTP, on gateways', () => {
  let app: INestApplication | undefined;
  const logger = new ErrorLines();

  const start = async (configure: (app: INestApplication) => void, providers: object[] = []): Promise<INestApplication> => {
    @Module({ imports: [WebSocketModule.forRoot({})], controllers: [HealthController], providers: [NumbersGateway, ...(providers as never[])] })
    class AppModule {}
    app = await startCompatApp(AppModule, { logger, configure });
    return app;
  };

  beforeEach(() => {
    logger.lines.length = 0;
    ContextTypes.seen.length = 0;
  });

  afterEach(async () => {
    await closeAllTestClients();
    await app?.close();
    app = undefined;
  });

  it("answers INTERNAL, and logs the filter, when the docs' HttpExceptionFilter catches a gateway's exception; HTTP keeps its answer", async () => {
    const started = await start((nest) => nest.useGlobalFilters(new HttpExceptionFilter()));
    const ws = await connectToGateway(started, '/numbers');

    await expect(ws.request('double', 'x')).rejects.toMatchObject({ code: 'INTERNAL', message: internalError() });
    expect(logger.lines).toEqual([filterFailed('HttpExceptionFilter', 'NumbersGateway', 'double')]);
    await expect(ws.request('double', 21)).resolves.toBe(42);
    const { body } = await request(started.getHttpServer()).get('/health/bad').expect(400);
    expect(body).toEqual({ statusCode: 400, timestamp: expect.any(String), path: '/health/bad' });
  });

  it("answers INTERNAL when the docs' catch-everything filter (an APP_FILTER with HttpAdapterHost) catches a gateway's exception", async () => {
    const started = await start(() => undefined, [{ provide: APP_FILTER, useClass: CatchEverythingFilter }]);
    const ws = await connectToGateway(started, '/numbers');

    for (const event of ['double', 'bug']) {
      const failure = await ws.request(event, 'x').catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(RequestError);
      expect(failure).toMatchObject({ code: 'INTERNAL' });
    }
    expect(logger.lines).toEqual([filterFailed('CatchEverythingFilter', 'NumbersGateway', 'double'), filterFailed('CatchEverythingFilter', 'NumbersGateway', 'bug')]);
    await request(started.getHttpServer()).get('/health/bad').expect(400);
  });

  it("wraps each reply in { data } with the docs' TransformInterceptor, as on HTTP, and not with its guarded form", async () => {
    const started = await start((nest) => nest.useGlobalInterceptors(new TransformInterceptor()));
    const ws = await connectToGateway(started, '/numbers');
    ws.sendRaw('{"event":"double","data":21,"id":1}');
    expect(await ws.expectMessage()).toBe('{"event":"double","data":{"data":42},"id":1}');
    await request(started.getHttpServer()).get('/health').expect(200, { data: 'ok' });
  });

  it('answers plainly behind the getType() guards, and HTTP still gets the HTTP forms', async () => {
    const started = await start((nest) => {
      nest.useGlobalInterceptors(new HttpOnlyTransformInterceptor());
      nest.useGlobalFilters(new HttpOnlyExceptionFilter());
    });
    const ws = await connectToGateway(started, '/numbers');

    await expect(ws.request('double', 21)).resolves.toBe(42);
    await expect(ws.request('double', 'x')).rejects.toMatchObject({ code: 'BAD_REQUEST', message: 'a number, please' });
    expect(logger.lines).toEqual([]);
    await request(started.getHttpServer()).get('/health').expect(200, { data: 'ok' });
    await request(started.getHttpServer()).get('/health/bad').expect(400, { statusCode: 400 });
  });

  it("gives global guards, interceptors and filters a context whose getType() is 'ws'", async () => {
    const started = await start(() => undefined, [
      ContextTypes,
      { provide: APP_GUARD, useExisting: ContextTypes },
      { provide: APP_INTERCEPTOR, useExisting: ContextTypes },
      { provide: APP_FILTER, useClass: FilterContextType },
    ]);
    const ws = await connectToGateway(started, '/numbers');

    await expect(ws.request('double', 'x')).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(ContextTypes.seen).toEqual(['guard:ws', 'interceptor:ws', 'filter:ws']);
  });
});
