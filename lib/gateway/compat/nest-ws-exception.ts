/** What `@nestjs/websockets`' WsException (12.x) carries: `new WsException('text' | { … })`, read back with getError(). */
interface NestWsExceptionLike extends Error {
  getError(): unknown;
}

/** The error envelope's fields that a Nest WsException fills (error-envelope.ts's ErrorBody, without the event). */
interface MappedError {
  code: string;
  message: string;
  details?: unknown;
}

/** The code of a Nest WsException that names none: `throw new WsException('room is full')`. */
export const NEST_WS_EXCEPTION_CODE = 'WS_EXCEPTION';

/**
 * `@nestjs/websockets` is not a dependency of ours (an app moved from it may keep throwing its
 * WsException, or not have it installed at all), so its class is recognised by shape: an Error with
 * getError() whose class, or one it extends, is named WsException (`class RoomFull extends WsException`).
 */
export function isNestWsException(error: unknown): error is NestWsExceptionLike {
  if (!(error instanceof Error) || typeof (error as Partial<NestWsExceptionLike>).getError !== 'function') return false;
  for (let prototype: unknown = Object.getPrototypeOf(error); prototype !== Error.prototype && prototype !== null; prototype = Object.getPrototypeOf(prototype)) {
    if ((prototype as { constructor?: { name?: unknown } }).constructor?.name === 'WsException') return true;
  }
  return false;
}

/**
 * Its error as our error envelope (DESIGN.md wire contract): a string is the message; an object gives
 * its `code` and `message` when they are strings, and is the `details` when it has any other field.
 */
export function fromNestWsException(exception: NestWsExceptionLike): MappedError {
  const error = exception.getError();
  if (typeof error !== 'object' || error === null) return { code: NEST_WS_EXCEPTION_CODE, message: exception.message };
  const { code, message } = error as { code?: unknown; message?: unknown };
  const body: MappedError = { code: typeof code === 'string' ? code : NEST_WS_EXCEPTION_CODE, message: typeof message === 'string' ? message : exception.message };
  if (Object.keys(error).some((key) => key !== 'code' && key !== 'message')) body.details = error;
  return body;
}
