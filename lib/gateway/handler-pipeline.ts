import { Type } from '@nestjs/common';
import { ApplicationConfig, ContextId, ExternalContextCreator } from '@nestjs/core';
import { directCallFor } from './direct-call';
import { EnhancerKind, enhancerNamesOf } from './enhancer-names';
import { HandlerArgs } from './handler-args';
import { enhancersOf, filterFor, NamedFilterContext, streamKeepingContextCreator, wsExecutionContext } from './nest-internals';
import { PARAM_ARGS_METADATA } from './websocket.constants';
import { WsParamsFactory } from './ws-params.factory';

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

const paramsFactory = new WsParamsFactory();

/** Builds CompiledHandlers from Nest's context creators, so enhancers behave as on controllers. */
export class HandlerPipelineFactory {
  private readonly creator: ExternalContextCreator;
  private readonly filterContext: NamedFilterContext;
  private readonly config: ApplicationConfig;

  constructor(shared: ExternalContextCreator) {
    const { creator, container, config } = streamKeepingContextCreator(shared);
    this.creator = creator;
    this.config = config;
    this.filterContext = new NamedFilterContext(container, config);
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
    const filters = this.filterContext.filtersOf(instance, callback, moduleKey, contextId);
    const enhancers = enhancersOf(metatype, methodName, callback, this.config);
    const call = contextId === undefined ? directCallFor(instance, metatype, methodName, callback, enhancers, paramsFactory) : undefined;
    return {
      methodName,
      run,
      call,
      enhancers: enhancerNamesOf(enhancers),
      filter: async (error, args) => {
        const entry = filterFor(filters, error);
        if (!entry) return { kind: 'unhandled' };
        const host = wsExecutionContext(args, metatype, callback);
        try {
          return { kind: 'handled', filterName: entry.filterName, value: await entry.func(error, host) };
        } catch (failure) {
          return { kind: 'failed', filterName: entry.filterName, error: failure };
        }
      },
    };
  }
}
