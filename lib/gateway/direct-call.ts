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
): ((...args: HandlerArgs) => unknown) | undefined {
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
  if (params.length === 0) return (...args) => callback.apply(instance, args);
  const argsLength = Math.max(...params.map((param) => param.index)) + 1;
  return (...args) => {
    const values: unknown[] = new Array(argsLength);
    for (const { index, type, data } of params) values[index] = paramsFactory.exchangeKeyForValue(type, data as string, args);
    return callback.apply(instance, values);
  };
}
