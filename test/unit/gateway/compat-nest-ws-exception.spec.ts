import { WsException as NestWsException } from '@nestjs/websockets';
import { fromNestWsException, isNestWsException, NEST_WS_EXCEPTION_CODE } from '../../../lib/gateway/compat/nest-ws-exception';
import { errorEnvelopeFor } from '../../../lib/gateway/error-envelope';
import { WsException } from '../../../lib/gateway/ws-exception';

class RoomFullException extends NestWsException {}

describe("@nestjs/websockets' WsException, known by shape", () => {
  it.each([
    ['Nest WsException', new NestWsException('x')],
    ['a subclass of it', new RoomFullException({ code: 'ROOM_FULL' })],
  ])('recognises a %s', (_name, error) => {
    expect(isNestWsException(error)).toBe(true);
  });

  it.each([
    ['our WsException', new WsException('CODE', 'message')],
    ['an Error', new Error('x')],
    ['an Error with getError() of another class', Object.assign(new Error('x'), { getError: () => 'x' })],
    ['a plain object shaped like one', { name: 'WsException', message: 'x', getError: () => 'x' }],
    ['a string', 'WsException'],
  ])('does not take %s for one', (_name, error) => {
    expect(isNestWsException(error)).toBe(false);
  });

  it.each<[string, NestWsException, ReturnType<typeof fromNestWsException>]>([
    ['a string: the message', new NestWsException('room is full'), { code: NEST_WS_EXCEPTION_CODE, message: 'room is full' }],
    ['an object with code and message', new NestWsException({ code: 'ROOM_FULL', message: 'the room is full' }), { code: 'ROOM_FULL', message: 'the room is full' }],
    [
      'an object with more fields: they are the details',
      new NestWsException({ message: 'full', capacity: 2 }),
      { code: NEST_WS_EXCEPTION_CODE, message: 'full', details: { message: 'full', capacity: 2 } },
    ],
    ['an object without a string message: the exception message', new NestWsException({ code: 7 }), { code: NEST_WS_EXCEPTION_CODE, message: 'Ws Exception' }],
  ])('maps %s', (_name, exception, body) => {
    expect(fromNestWsException(exception)).toEqual(body);
  });

  it('is an expected error for errorEnvelopeFor, with the event', () => {
    expect(errorEnvelopeFor(new NestWsException('room is full'), 'join')).toEqual({
      body: { event: 'join', code: NEST_WS_EXCEPTION_CODE, message: 'room is full' },
      isExpected: true,
    });
  });
});
