/**
 * Every use of Nest that is not its public API, in one file (STYLE.md §9, issue 15 §3). A Nest
 * minor release may change any of them without a compile error, so each says why it is here and
 * what it was checked against; test/unit/gateway/nest-internals.spec.ts fails when one changes, and
 * scripts/test-newest-nest.sh runs it and the gateway suites on the newest Nest 12 minor.
 *
 * "Checked against" names @nestjs/core and @nestjs/common 11.2.12 (the oldest our peer range takes;
 * its source read), 12.5.1 (installed) and 12.6.3 (newest 12 minor; both run). The files are
 * imported by path: Nest 12 also names its sibling packages' entry points
 * `@nestjs/{common,core}/internal`, which 11 has not.
 * ESLint (eslint.config.mjs) forbids `@nestjs/<package>/…` imports anywhere else in lib/.
 */
import { ExceptionFilter, ExecutionContext, Type } from '@nestjs/common';
import { GUARDS_METADATA, INTERCEPTORS_METADATA, PIPES_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { selectExceptionFilterMetadata } from '@nestjs/common/utils/select-exception-filter-metadata.util.js';
import { ApplicationConfig, ContextId, ExternalContextCreator, NestContainer } from '@nestjs/core';
// No entry point exports it: the filter context Nest builds for ExternalContextCreator (global,
// class and method filters, request-scoped ones).
import { ExternalExceptionFilterContext } from '@nestjs/core/exceptions/external-exception-filter-context.js';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';

/**
 * Nest's key for parameter decorators. Ours write under it so that `createParamDecorator()`
 * decorators and parameter pipes work on gateway handlers as on controllers.
 * Checked against 11.2.12, 12.5.1 and 12.6.3 (`'__routeArguments__'`).
 */
export const PARAM_ARGS_METADATA: string = ROUTE_ARGS_METADATA;

/** A guard, pipe or interceptor as metadata holds it: its class, or an instance. */
export type Enhancer = Type | object;

/** What runs before a handler, global ones first; `pipes` includes the parameters' own. */
export interface HandlerEnhancers {
  guards: readonly Enhancer[];
  pipes: readonly Enhancer[];
  interceptors: readonly Enhancer[];
}

/** One parameter decorator's record under PARAM_ARGS_METADATA, keyed `${type}:${index}`. */
export interface ParamEntry {
  index: number;
  data: unknown;
  pipes?: Enhancer[];
}

/**
 * The parameter decorators of a handler, by `${paramtype}:${index}` (custom ones by a longer key).
 * Checked against 11.2.12, 12.5.1 and 12.6.3 (`assignMetadata`, `createParamDecorator`).
 */
export const paramEntriesOf = (metatype: Type, methodName: string): Record<string, ParamEntry> =>
  (Reflect.getMetadata(PARAM_ARGS_METADATA, metatype, methodName) as Record<string, ParamEntry> | undefined) ?? {};

/**
 * Every guard, pipe and interceptor of a handler: global (request-scoped global ones by class),
 * class, method and parameter ones. `@UseGuards()` and friends write under Nest's metadata keys,
 * which no public entry point exports. Read once per handler, at bootstrap: direct-call.ts
 * needs to know there are none, enhancer-names.ts their names.
 * Checked against 11.2.12, 12.5.1 and 12.6.3.
 */
export function enhancersOf(metatype: Type, methodName: string, callback: object, config: ApplicationConfig): HandlerEnhancers {
  const declared = (key: string): Enhancer[] => [
    ...((Reflect.getMetadata(key, metatype) as Enhancer[] | undefined) ?? []),
    ...((Reflect.getMetadata(key, callback) as Enhancer[] | undefined) ?? []),
  ];
  const parameterPipes = Object.values(paramEntriesOf(metatype, methodName)).flatMap((entry) => entry.pipes ?? []);
  return {
    guards: [...config.getGlobalGuards(), ...config.getGlobalRequestGuards().map((wrapper) => wrapper.metatype as Type), ...declared(GUARDS_METADATA)],
    pipes: [...config.getGlobalPipes(), ...config.getGlobalRequestPipes().map((wrapper) => wrapper.metatype as Type), ...declared(PIPES_METADATA), ...parameterPipes],
    interceptors: [
      ...config.getGlobalInterceptors(),
      ...config.getGlobalRequestInterceptors().map((wrapper) => wrapper.metatype as Type),
      ...declared(INTERCEPTORS_METADATA),
    ],
  };
}

/**
 * A creator of handler pipelines like the application's, except that an Observable a handler (or
 * an interceptor) returns stays a stream: every emission is a reply. Nest's `transformToResult`
 * reduces it to its last value, and ExternalContextCreator offers no option for that.
 * - The application's NestContainer is a private field of the shared creator: it is no provider,
 *   and `fromContainer()` (public) needs it. Checked against 11.2.12, 12.5.1 and 12.6.3.
 * - `transformToResult` is a public method, replaced on our own instance only (the shared one is
 *   the application's); `fromContainer()` builds an ExternalContextCreator, never a subclass.
 *   Checked against 11.2.12, 12.5.1 and 12.6.3 (`target` returns `this.transformToResult(result)`).
 */
export function streamKeepingContextCreator(shared: ExternalContextCreator): { creator: ExternalContextCreator; container: NestContainer; config: ApplicationConfig } {
  const container = (shared as unknown as { container: NestContainer | undefined }).container;
  if (!(container instanceof NestContainer)) throw new Error(nestChanged('ExternalContextCreator has no NestContainer in its "container" field'));
  const creator = ExternalContextCreator.fromContainer(container);
  creator.transformToResult = keepStream;
  const config = container.applicationConfig;
  if (!config) throw new Error(nestChanged('NestContainer has no applicationConfig'));
  return { creator, container, config };
}

const keepStream = async (result: unknown): Promise<unknown> => result;

/** One exception filter of a handler: its bound `catch`, what it catches, and its class for log lines. */
export interface FilterEntry {
  func: ExceptionFilter['catch'];
  exceptionMetatypes: Type[];
  filterName: string;
}

/**
 * Nest's filter context for handlers outside HTTP, with each filter's class name kept next to its
 * bound `catch` (Nest keeps only the function). Same steps as BaseExceptionFilterContext's
 * `createConcreteContext`; Nest orders them (method, class, global) and resolves scoped ones.
 * Checked against 11.2.12, 12.5.1 and 12.6.3.
 */
export class NamedFilterContext extends ExternalExceptionFilterContext {
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

  /**
   * A handler's filters in the order Nest tries them. `create()` returns an ExternalExceptionsHandler
   * whose `filters` field is private and has no getter; its `next()` would log and rethrow what no
   * filter catches, where we answer it ourselves. Checked against 11.2.12, 12.5.1 and 12.6.3.
   */
  filtersOf(instance: object, callback: (...args: unknown[]) => unknown, moduleKey: string, contextId?: ContextId): readonly FilterEntry[] {
    const handler = this.create(instance, callback as never, moduleKey, contextId);
    const filters = (handler as unknown as { filters: unknown }).filters;
    if (!Array.isArray(filters)) throw new Error(nestChanged('ExternalExceptionsHandler has no "filters" array'));
    return filters as FilterEntry[];
  }
}

/**
 * The first filter that catches `error` (one without `@Catch()` arguments catches everything), by
 * Nest's own rule. Checked against 11.2.12, 12.5.1 and 12.6.3. None for a value whose
 * `instanceof` throws (a revoked Proxy): it is answered INTERNAL.
 */
export function filterFor(filters: readonly FilterEntry[], error: unknown): FilterEntry | undefined {
  try {
    return selectExceptionFilterMetadata(filters as FilterEntry[], error) as FilterEntry | undefined;
  } catch {
    return undefined;
  }
}

/**
 * What an exception filter's `host` is: Nest's own ExecutionContext, so `switchToWs()`,
 * `getType()`, `getClass()` and `getHandler()` answer as in Nest's gateways.
 * Checked against 11.2.12, 12.5.1 and 12.6.3.
 */
export function wsExecutionContext(args: unknown[], metatype: Type, callback: (...args: unknown[]) => unknown): ExecutionContext {
  const host = new ExecutionContextHost(args, metatype, callback);
  host.setType('ws');
  return host;
}

const nestChanged = (what: string): string =>
  `nest-rfc6455: this version of @nestjs/core is not supported (${what}); checked against 11.2.12, 12.5.1 and 12.6.3, see lib/gateway/nest-internals.ts`;
