import { CanActivate, Injectable, NestInterceptor, ParseIntPipe, PipeTransform, UseGuards, UseInterceptors, UsePipes } from '@nestjs/common';
import { ApplicationConfig } from '@nestjs/core';
import { Observable } from 'rxjs';
import { MessageBody } from '../../../lib';
import { enhancerNamesOf, enhancerThatThrew } from '../../../lib/gateway/enhancer-names';
import { enhancersOf } from '../../../lib/gateway/nest-internals';

class GlobalGuard implements CanActivate {
  canActivate(): boolean {
    throw new Error('GlobalGuard exploded');
  }
}
class ClassInterceptor implements NestInterceptor {
  intercept(): Observable<unknown> {
    throw new Error('ClassInterceptor exploded');
  }
}
@Injectable()
class MethodPipe implements PipeTransform {
  transform(value: unknown): unknown {
    return value;
  }
}
class MethodGuard implements CanActivate {
  canActivate(): boolean {
    return true;
  }
}

@UseInterceptors(ClassInterceptor)
class SomeGateway {
  @UseGuards(new MethodGuard())
  @UsePipes(MethodPipe)
  handle(@MessageBody('count', ParseIntPipe) count: number): never {
    throw new Error(`SomeGateway.handle exploded on ${count}`);
  }
}

/** A stack as V8 writes it: the error's line, then one line per frame. */
const stackOf = (...frames: string[]): Error => Object.assign(new Error('boom'), { stack: ['Error: boom', ...frames.map((frame) => `    at ${frame} (/app/x.ts:1:1)`)].join('\n') });

describe('enhancerNamesOf', () => {
  it('names global, class, method and parameter enhancers, classes and instances alike, with their kind', () => {
    const config = new ApplicationConfig();
    config.useGlobalGuards(new GlobalGuard());

    const names = enhancerNamesOf(enhancersOf(SomeGateway, 'handle', SomeGateway.prototype.handle, config));

    expect(Object.fromEntries(names)).toEqual({
      GlobalGuard: 'guard',
      MethodGuard: 'guard',
      ClassInterceptor: 'interceptor',
      MethodPipe: 'pipe',
      ParseIntPipe: 'pipe',
    });
  });
});

describe('enhancerNamesOf, enhancers that name no class', () => {
  class LiteralGuarded {
    @UseGuards({ canActivate: () => true }, new (class {
      canActivate(): boolean {
        return true;
      }
    })())
    handle(): void {}
  }

  it("leaves out an object literal ('Object') and an anonymous class, so a thenable's `at Object.then` frame is the handler's", () => {
    const names = enhancerNamesOf(enhancersOf(LiteralGuarded, 'handle', LiteralGuarded.prototype.handle, new ApplicationConfig()));

    expect(Object.fromEntries(names)).toEqual({});
    expect(enhancerThatThrew(stackOf('Object.then', 'async Promise.all'), 'LiteralGuarded', names)).toBeUndefined();
  });
});

describe('enhancerThatThrew', () => {
  const names = enhancerNamesOf(enhancersOf(SomeGateway, 'handle', SomeGateway.prototype.handle, new ApplicationConfig()));

  it('names the first enhancer frame, also past library frames and in async frames', () => {
    expect(enhancerThatThrew(stackOf('Pool.query', 'async MethodPipe.transform', 'async ExternalContextCreator.create'), 'SomeGateway', names)).toEqual({ kind: 'pipe', name: 'MethodPipe' });
  });

  it('blames nobody but the handler when a frame of the gateway is in the stack, before or after an enhancer-named one', () => {
    expect(enhancerThatThrew(stackOf('SomeGateway.handle', 'ClassInterceptor.intercept'), 'SomeGateway', names)).toBeUndefined();
    // A class the handler calls that shares an enhancer's name (one-letter names of a minified bundle).
    expect(enhancerThatThrew(stackOf('MethodPipe.transform', 'async SomeGateway.handle'), 'SomeGateway', names)).toBeUndefined();
  });

  it('blames nobody but the handler for a value that is not an Error, or a stack naming no enhancer', () => {
    expect(enhancerThatThrew('ClassInterceptor.intercept', 'SomeGateway', names)).toBeUndefined();
    expect(enhancerThatThrew(stackOf('Pool.query', 'processTicksAndRejections'), 'SomeGateway', names)).toBeUndefined();
  });

  it('finds the real frame of an error thrown in an enhancer', () => {
    const config = new ApplicationConfig();
    config.useGlobalGuards(new GlobalGuard());
    let thrown: unknown;
    try {
      new GlobalGuard().canActivate();
    } catch (error) {
      thrown = error;
    }

    expect(enhancerThatThrew(thrown, 'SomeGateway', enhancerNamesOf(enhancersOf(SomeGateway, 'handle', SomeGateway.prototype.handle, config)))).toEqual({ kind: 'guard', name: 'GlobalGuard' });
  });
});
