import { ExceptionFilter, Type } from '@nestjs/common';
import { ApplicationConfig, ContextId, ExternalContextCreator, NestContainer } from '@nestjs/core';
// Nest's own building blocks for exception filters outside HTTP; there is no public export.
import { ExternalExceptionFilterContext } from '@nestjs/core/exceptions/external-exception-filter-context.js';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { RequestId } from '../wire/envelope';
import { WsConnection } from '../session/ws-connection';
import { directCallFor } from './direct-call';
import { EnhancerKind, enhancerNamesOf } from './enhancer-names';
import { PARAM_ARGS_METADATA } from './websocket.constants';
import { WsParamsFactory } from './ws-params.factory';

/** Per-message facts a handler may ask for. */
export interface HandlerMeta {
  id: RequestId | undefined;
}

/**
 * What a handler is called with, in the order Nest's `switchToWs()` reads it:
 * getClient() is args[0], getData() args[1], getPattern() the last one.
 */
export type HandlerArgs = [connection: WsConnection, body: unknown, meta: HandlerMeta, event: string | undefined];

/** What the exception filters made of an error: nothing caught it, one returned `value`, or the one that caught it threw `error`. */
export type FilterOutcome =
  | { kind: 'unhandled' }
  | { kind: 'handled'; filterName: string; value: unknown }
  | { kind: 'failed'; filterName: string; error: unknown };

/** A handler with its guards, interceptors, pipes and exception filters, built once at bootstrap. */
export interface CompiledHandler {
  methodName: string;
  /** Guards, interceptors, pipes and the method: a value, or an Observable whose every emission is a reply. */
  run(...args: HandlerArgs): Promise<unknown>;
  /** Set when there is nothing between the message and the method: call it directly (see direct-call.ts). */
  call?: (args: HandlerArgs) => unknown;
  /** The first exception filter (method, class, then global) that catches `error`, and what it returned or threw. */
  filter(error: unknown, args: HandlerArgs): Promise<FilterOutcome>;
  /** Its guards, pipes and interceptors by class name, to name the one an unexpected error came from. */
  enhancers: ReadonlyMap<string, EnhancerKind>;
}

interface FilterEntry {
  func: ExceptionFilter['catch'];
  exceptionMetatypes: Type[];
  /** The filter's class, for the log line when it throws. */
  filterName: string;
}

/**
 * Nest's filter context, with each filter's class name kept next to its bound `catch` (Nest's
 * entries keep only the bound function). Same steps as Nest 12.5.1's BaseExceptionFilterContext.
 */
class NamedFilterContext extends ExternalExceptionFilterContext {
  override createConcreteContext<T extends unknown[], R extends unknown[]>(metadata: T, contextId?: ContextId, inquirerId?: string): R {
    const entries: FilterEntry[] = [];
    for (const filter of (metadata ?? []) as (ExceptionFilter | Type<ExceptionFilter> | undefined)[]) {
      if (!filter || (typeof (filter as ExceptionFilter).catch !== 'function' && typeof filter !== 'function')) continue;
      const instance = this.getFilterInstance(filter as Type<ExceptionFilter>, contextId, inquirerId);
      if (!instance) continue;
      entries.push({
        func: instance.catch.bind(instance),
        exceptionMetatypes: this.reflectCatchExceptions(instance),
        filterName: typeof instance === 'function' ? (instance as Type).name : instance.constructor.name,
      });
    }
    return entries as unknown as R;
  }
}

const paramsFactory = new WsParamsFactory();

/** Builds CompiledHandlers from Nest's context creators, so enhancers behave as on controllers. */
export class HandlerPipelineFactory {
  private readonly creator: ExternalContextCreator;
  private readonly filterContext: NamedFilterContext;
  private readonly config: ApplicationConfig;

  constructor(shared: ExternalContextCreator) {
    // The shared creator reduces an Observable to its last value; ours keeps the stream.
    const container = (shared as unknown as { container: NestContainer }).container;
    this.creator = ExternalContextCreator.fromContainer(container);
    this.creator.transformToResult = async (result: unknown) => result;
    this.config = container.applicationConfig as ApplicationConfig;
    this.filterContext = new NamedFilterContext(container, this.config);
  }

  /** `contextId` is set for a connection-scoped gateway instance (its request is the connection). */
  compile(instance: object, metatype: Type, methodName: string, contextId?: ContextId): CompiledHandler {
    const callback = (instance as Record<string, (...args: unknown[]) => unknown>)[methodName];
    if (typeof callback !== 'function') throw new TypeError(`${metatype.name}.${methodName} is not a method`);
    const run = this.creator.create(
      instance,
      callback,
      methodName,
      PARAM_ARGS_METADATA,
      paramsFactory,
      contextId,
      undefined,
      { guards: true, interceptors: true, filters: false },
      'ws',
    ) as CompiledHandler['run'];
    const moduleKey = this.creator.getContextModuleKey(metatype);
    const exceptionsHandler = this.filterContext.create(instance, callback as never, moduleKey, contextId);
    const filters = (exceptionsHandler as unknown as { filters: FilterEntry[] }).filters;
    const call = contextId === undefined ? directCallFor(instance, metatype, methodName, callback, this.config, paramsFactory) : undefined;
    return {
      methodName,
      run,
      call,
      enhancers: enhancerNamesOf(metatype, methodName, callback, this.config),
      filter: async (error, args) => {
        const entry = filters.find(
          (f) => f.exceptionMetatypes.length === 0 || f.exceptionMetatypes.some((type) => error instanceof type),
        );
        if (!entry) return { kind: 'unhandled' };
        const host = new ExecutionContextHost(args, metatype, callback);
        host.setType('ws');
        try {
          return { kind: 'handled', filterName: entry.filterName, value: await entry.func(error, host) };
        } catch (failure) {
          return { kind: 'failed', filterName: entry.filterName, error: failure };
        }
      },
    };
  }
}
