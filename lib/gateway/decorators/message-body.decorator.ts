import { PipeTransform, Type } from '@nestjs/common';
import { WsParamtype } from '../websocket.constants';
import { wsParam } from './ws-param.decorator';

type Pipe = Type<PipeTransform> | PipeTransform;

/**
 * Injects the message body (the envelope's `data`, or the raw message), or one property of it.
 *
 * @example
 * say(＠MessageBody() body: SayDto, ＠MessageBody('room', new ParseRoomPipe()) room: string)
 */
export function MessageBody(...pipes: Pipe[]): ParameterDecorator;
export function MessageBody(property: string, ...pipes: Pipe[]): ParameterDecorator;
export function MessageBody(propertyOrPipe?: string | Pipe, ...pipes: Pipe[]): ParameterDecorator {
  if (typeof propertyOrPipe === 'string') return wsParam(WsParamtype.Body, propertyOrPipe, pipes);
  return wsParam(WsParamtype.Body, undefined, propertyOrPipe === undefined ? pipes : [propertyOrPipe, ...pipes]);
}
