import { Type } from '@nestjs/common';
import { HandlerArgs } from './handler-args';
import { HandlerEnhancers, paramEntriesOf } from './nest-internals';
import { WsParamtype } from './websocket.constants';
import { WsParamsFactory } from './ws-params.factory';

const KNOWN_PARAMTYPES = new Set<number>([WsParamtype.Connection, WsParamtype.Body, WsParamtype.Handshake, WsParamtype.RequestId]);

/**
 * A handler with no guard, pipe or interceptor anywhere (method, class, global or parameter) and
 * only our own parameter decorators does not need Nest's async pipeline: it is called directly,
 * and a plain return value is answered in the same tick. What it gets is exactly what the pipeline
 * would give it (test/unit/gateway/direct-call.parity.spec.ts). Returns undefined when the
 * pipeline is needed.
 */
export function directCallFor(
  instance: object,
  metatype: Type,
  methodName: string,
  callback: (...args: unknown[]) => unknown,
  { guards, pipes, interceptors }: HandlerEnhancers,
  paramsFactory: WsParamsFactory,
): ((args: HandlerArgs) => unknown) | undefined {
  if (guards.length + pipes.length + interceptors.length > 0) return undefined;
  const params: { index: number; type: number; data: unknown }[] = [];
  for (const [key, entry] of Object.entries(paramEntriesOf(metatype, methodName))) {
    const type = Number(key.split(':')[0]);
    // createParamDecorator() decorators need the pipeline (parameter pipes are among `pipes`).
    if (!KNOWN_PARAMTYPES.has(type)) return undefined;
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
