import { Type } from '@nestjs/common';
import { ExternalContextCreator } from '@nestjs/core';
import { Connection } from '../transport/connection';
import { PARAM_ARGS_METADATA } from './websocket.constants';
import { WsParamsFactory } from './ws-params.factory';

/**
 * What a handler is called with, in the order Nest's `switchToWs()` reads it:
 * getClient() is args[0], getData() args[1], getPattern() the last one.
 */
export type HandlerArgs = [connection: Connection, body: unknown, event: string | undefined];

/** A handler with its guards, interceptors and pipes applied; resolves to its result. */
export type CompiledHandler = (...args: HandlerArgs) => Promise<unknown>;

const paramsFactory = new WsParamsFactory();

/** Built once per handler, at bootstrap; a message then costs one call. */
export function compileHandler(creator: ExternalContextCreator, instance: object, metatype: Type, methodName: string): CompiledHandler {
  const callback = (instance as Record<string, (...args: unknown[]) => unknown>)[methodName];
  if (typeof callback !== 'function') throw new TypeError(`${metatype.name}.${methodName} is not a method`);
  return creator.create(
    instance,
    callback,
    methodName,
    PARAM_ARGS_METADATA,
    paramsFactory,
    undefined,
    undefined,
    // Exceptions come back to us: the dispatcher answers them (DESIGN.md error envelope).
    { guards: true, interceptors: true, filters: false },
    'ws',
  ) as CompiledHandler;
}
