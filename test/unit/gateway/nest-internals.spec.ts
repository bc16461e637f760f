import {
  ArgumentsHost,
  CallHandler,
  CanActivate,
  Catch,
  createParamDecorator,
  ExceptionFilter,
  Injectable,
  NestInterceptor,
  ParseIntPipe,
  PipeTransform,
  UseFilters,
  UseGuards,
  UseInterceptors,
  UsePipes,
} from '@nestjs/common';
import { ApplicationConfig, ExternalContextCreator } from '@nestjs/core';
import { Test, TestingModule } from '@nestjs/testing';
import { isObservable, lastValueFrom, Observable, of, toArray } from 'rxjs';
import { MessageBody } from '../../../lib';
import {
  enhancersOf,
  filterFor,
  NamedFilterContext,
  paramEntriesOf,
  PARAM_ARGS_METADATA,
  streamKeepingContextCreator,
  wsExecutionContext,
} from '../../../lib/gateway/nest-internals';

// Each test pins one use of Nest internals listed in lib/gateway/nest-internals.ts: a Nest release
// that changes it fails here, by name, before a gateway misbehaves.

class TeapotError extends Error {}

@Catch()
class RethrowingFilter implements ExceptionFilter {
  catch(error: unknown): never {
    throw error;
  }
}
@Catch(TeapotError)
class TeapotFilter implements ExceptionFilter {
  catch(error: TeapotError): string {
    return `teapot: ${error.message}`;
  }
}
@Catch()
class GlobalFilter implements ExceptionFilter {
  catch(): string {
    return 'global';
  }
}
class AllowGuard implements CanActivate {
  canActivate(): boolean {
    return true;
  }
}
@Injectable()
class ClassPipe implements PipeTransform {
  transform(value: unknown): unknown {
    return value;
  }
}
class DoublingInterceptor implements NestInterceptor {
  intercept(_context: unknown, next: CallHandler): Observable<unknown> {
    return next.handle();
  }
}
const Custom = createParamDecorator((data: string) => data);

@UseFilters(TeapotFilter)
@UsePipes(ClassPipe)
class SomeGateway {
  streams(): Observable<number> {
    return of(1, 2, 3);
  }

  @UseFilters(RethrowingFilter)
  rethrows(): never {
    throw new Error('rethrown');
  }

  teapot(): never {
    throw new TeapotError('short and stout');
  }

  @UseGuards(AllowGuard)
  @UseInterceptors(DoublingInterceptor)
  guarded(@MessageBody('count', ParseIntPipe) count: number, @Custom('custom') custom: string): string {
    return `${count} ${custom}`;
  }

  plain(): string {
    return 'plain';
  }
}

describe('Nest internals (lib/gateway/nest-internals.ts), checked against the installed @nestjs/core', () => {
  let moduleRef: TestingModule;
  let shared: ExternalContextCreator;

  beforeAll(async () => {
    moduleRef = await Test.createTestingModule({ providers: [SomeGateway] }).compile();
    shared = moduleRef.get(ExternalContextCreator);
  });

  afterAll(async () => {
    await moduleRef.close();
  });

  const compileRun = (creator: ExternalContextCreator, methodName: keyof SomeGateway): ((...args: unknown[]) => Promise<unknown>) => {
    const instance = moduleRef.get(SomeGateway);
    return creator.create(instance, instance[methodName] as never, methodName, PARAM_ARGS_METADATA, undefined, undefined, undefined, { guards: true, interceptors: true, filters: false }, 'ws') as never;
  };

  it("keeps an Observable a handler returns as a stream, and leaves the application's own creator reducing it to its last value", async () => {
    const { creator } = streamKeepingContextCreator(shared);

    const kept = await compileRun(creator, 'streams')();
    expect(isObservable(kept)).toBe(true);
    expect(await lastValueFrom((kept as Observable<number>).pipe(toArray()))).toEqual([1, 2, 3]);
    expect(await compileRun(shared, 'streams')()).toBe(3);
  });

  it("finds the application's NestContainer and ApplicationConfig behind the shared creator", () => {
    const { container, config } = streamKeepingContextCreator(shared);

    expect(container.getModules().size).toBeGreaterThan(0);
    expect(config).toBeInstanceOf(ApplicationConfig);
  });

  it('refuses, naming the versions it was checked against, a creator without the container it reads', () => {
    const creator = Object.create(ExternalContextCreator.prototype) as ExternalContextCreator;

    expect(() => streamKeepingContextCreator(creator)).toThrow(
      'nest-rfc6455: this version of @nestjs/core is not supported (ExternalContextCreator has no NestContainer in its "container" field); checked against 11.2.12, 12.5.1 and 12.6.3, see lib/gateway/nest-internals.ts',
    );
  });

  describe('exception filters', () => {
    const filtersFor = (methodName: keyof SomeGateway, config = new ApplicationConfig()) => {
      const { creator, container } = streamKeepingContextCreator(shared);
      const instance = moduleRef.get(SomeGateway);
      const moduleKey = creator.getContextModuleKey(SomeGateway);
      return new NamedFilterContext(container, config).filtersOf(instance, instance[methodName] as never, moduleKey);
    };

    it('lists method, class, then global filters, each with its class name and what it catches', () => {
      const config = new ApplicationConfig();
      config.useGlobalFilters(new GlobalFilter());

      const filters = filtersFor('rethrows', config);

      expect(filters.map(({ filterName, exceptionMetatypes }) => ({ filterName, exceptionMetatypes }))).toEqual([
        { filterName: 'RethrowingFilter', exceptionMetatypes: [] },
        { filterName: 'TeapotFilter', exceptionMetatypes: [TeapotError] },
        { filterName: 'GlobalFilter', exceptionMetatypes: [] },
      ]);
    });

    it("selects the first filter that catches the error, by Nest's rule: a catch-all catches everything", () => {
      const filters = filtersFor('teapot');
      const rethrowing = filtersFor('rethrows');

      expect(filterFor(filters, new TeapotError('x'))?.filterName).toBe('TeapotFilter');
      expect(filterFor(filters, new Error('x'))).toBeUndefined();
      expect(filterFor(rethrowing, new Error('x'))?.filterName).toBe('RethrowingFilter');
    });

    it('binds each catch to its filter instance', () => {
      const [teapot] = filtersFor('teapot');

      expect(teapot.func(new TeapotError('short'), wsExecutionContext([], SomeGateway, SomeGateway.prototype.teapot))).toBe('teapot: short');
    });
  });

  it("gives filters a ws ExecutionContext whose switchToWs() reads the handler's arguments", () => {
    const connection = { id: 'c1' };
    const host: ArgumentsHost & { getClass(): unknown; getHandler(): unknown } = wsExecutionContext([connection, 'body', { id: 7 }, 'ev'], SomeGateway, SomeGateway.prototype.plain);

    expect(host.getType()).toBe('ws');
    expect(host.switchToWs().getClient()).toBe(connection);
    expect(host.switchToWs().getData()).toBe('body');
    expect(host.switchToWs().getPattern()).toBe('ev');
    expect(host.getClass()).toBe(SomeGateway);
    expect(host.getHandler()).toBe(SomeGateway.prototype.plain);
  });

  it("reads parameter decorators, ours and createParamDecorator()'s, under Nest's route-arguments key", () => {
    const entries = Object.entries(paramEntriesOf(SomeGateway, 'guarded'));

    expect(entries).toHaveLength(2);
    expect(entries.find(([, entry]) => entry.index === 0)?.[1]).toMatchObject({ data: 'count', pipes: [ParseIntPipe] });
    expect(entries.find(([, entry]) => entry.index === 1)?.[1]).toMatchObject({ data: 'custom' });
  });

  it('reads the guards, pipes (parameter ones too) and interceptors that @UseGuards() and friends declare', () => {
    const config = new ApplicationConfig();
    const globalGuard = new AllowGuard();
    config.useGlobalGuards(globalGuard);

    const { guards, pipes, interceptors } = enhancersOf(SomeGateway, 'guarded', SomeGateway.prototype.guarded, config);

    expect(guards).toEqual([globalGuard, AllowGuard]);
    expect(pipes).toEqual([ClassPipe, ParseIntPipe]);
    expect(interceptors).toEqual([DoublingInterceptor]);
    expect(enhancersOf(SomeGateway, 'plain', SomeGateway.prototype.plain, new ApplicationConfig())).toEqual({ guards: [], pipes: [ClassPipe], interceptors: [] });
  });
});
