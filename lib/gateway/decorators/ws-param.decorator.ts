import { PipeTransform, Type } from '@nestjs/common';
import { PARAM_ARGS_METADATA, WsParamtype } from '../websocket.constants';

type Pipe = Type<PipeTransform> | PipeTransform;

/** Records a handler parameter in the shape Nest's context creator reads: `{ "type:index": { index, data, pipes } }`. */
export const wsParam =
  (type: WsParamtype, data?: string, pipes: Pipe[] = []): ParameterDecorator =>
  (target, key, index) => {
    if (key === undefined) throw new TypeError('gateway parameter decorators belong on handler methods');
    const existing = Reflect.getMetadata(PARAM_ARGS_METADATA, target.constructor, key) ?? {};
    Reflect.defineMetadata(
      PARAM_ARGS_METADATA,
      { ...existing, [`${type}:${index}`]: { index, data, pipes } },
      target.constructor,
      key,
    );
  };
