import { Type } from '@nestjs/common';
import { GUARDS_METADATA, INTERCEPTORS_METADATA, PIPES_METADATA } from '@nestjs/common/constants.js';
import { ApplicationConfig } from '@nestjs/core';
import { HandlerArgs } from './handler-pipeline';
import { PARAM_ARGS_METADATA, WsParamtype } from './websocket.constants';
import { WsParamsFactory } from './ws-params.factory';

interface ParamEntry {
  index: number;
  data: unknown;
  pipes?: unknown[];
}

const KNOWN_PARAMTYPES = new Set<number>([WsParamtype.Connection, WsParamtype.Body, WsParamtype.Handshake, WsParamtype.RequestId]);

/**
 * A handler with no guard, pipe or interceptor anywhere (method, class or global) and only our
 * own parameter decorators does not need Nest's async pipeline: it is called directly, and a
 * plain return value is answered in the same tick. What it gets is exactly what the pipeline
 * would give it. Returns undefined when the pipeline is needed.
 */
export function directCallFor(
  instance: object,
  metatype: Type,
  methodName: string,
  callback: (...args: unknown[]) => unknown,
  config: ApplicationConfig,
  paramsFactory: WsParamsFactory,
): ((args: HandlerArgs) => unknown) | undefined {
  const hasAny = (key: string): boolean =>
    (Reflect.getMetadata(key, metatype) ?? []).length > 0 || (Reflect.getMetadata(key, callback) ?? []).length > 0;
  if (hasAny(GUARDS_METADATA) || hasAny(PIPES_METADATA) || hasAny(INTERCEPTORS_METADATA)) return undefined;
  if (config.getGlobalGuards().length + config.getGlobalRequestGuards().length > 0) return undefined;
  if (config.getGlobalPipes().length + config.getGlobalRequestPipes().length > 0) return undefined;
  if (config.getGlobalInterceptors().length + config.getGlobalRequestInterceptors().length > 0) return undefined;

  const metadata: Record<string, ParamEntry> = Reflect.getMetadata(PARAM_ARGS_METADATA, metatype, methodName) ?? {};
  const params: { index: number; type: number; data: unknown }[] = [];
  for (const [key, entry] of Object.entries(metadata)) {
    const type = Number(key.split(':')[0]);
    // createParamDecorator() decorators and per-parameter pipes need the pipeline.
    if (!KNOWN_PARAMTYPES.has(type) || (entry.pipes?.length ?? 0) > 0) return undefined;
    params.push({ index: entry.index, type, data: entry.data });
  }
  // Like Nest's pipeline: without parameter decorators a handler gets the raw arguments.
  if (params.length === 0) return (args) => callback.apply(instance, args);
  const readers = params.map(({ type, data }) => readerFor(type, data, paramsFactory));
  const argsLength = Math.max(...params.map((param) => param.index)) + 1;
  // The usual shapes, (body), (body, connection) and the like, without building an array per message.
  if (argsLength === 1) {
    const [first] = readers;
    return (args) => callback.call(instance, first(args));
  }
  if (argsLength === 2 && params.length === 2) {
    const [first, second] = params[0].index === 0 ? readers : [readers[1], readers[0]];
    return (args) => callback.call(instance, first(args), second(args));
  }
  const indexes = params.map((param) => param.index);
  return (args) => {
    const values: unknown[] = new Array(argsLength);
    for (let i = 0; i < readers.length; i++) values[indexes[i]] = readers[i](args);
    return callback.apply(instance, values);
  };
}

type ParamReader = (args: HandlerArgs) => unknown;

/** What one parameter decorator reads from a message's arguments, resolved once per handler. */
function readerFor(type: number, data: unknown, paramsFactory: WsParamsFactory): ParamReader {
  if (type === WsParamtype.Body && data === undefined) return (args) => args[1];
  if (type === WsParamtype.Connection) return (args) => args[0];
  return (args) => paramsFactory.exchangeKeyForValue(type, data as string, args);
}
