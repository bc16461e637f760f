import { HttpException, HttpStatus } from '@nestjs/common';
import { fromNestWsException, isNestWsException } from './compat/nest-ws-exception';
import { ErrorBody } from '../wire/envelope';
import { WsException } from './ws-exception';
import { internalError } from './messages';

const CODE_BY_STATUS: Partial<Record<number, string>> = {
  [HttpStatus.BAD_REQUEST]: 'BAD_REQUEST',
  [HttpStatus.UNAUTHORIZED]: 'UNAUTHORIZED',
  [HttpStatus.FORBIDDEN]: 'FORBIDDEN',
  [HttpStatus.NOT_FOUND]: 'NOT_FOUND',
  [HttpStatus.CONFLICT]: 'CONFLICT',
  [HttpStatus.PAYLOAD_TOO_LARGE]: 'PAYLOAD_TOO_LARGE',
  [HttpStatus.UNPROCESSABLE_ENTITY]: 'UNPROCESSABLE_ENTITY',
  [HttpStatus.TOO_MANY_REQUESTS]: 'TOO_MANY_REQUESTS',
};

/**
 * The one translator from an exception to what the client sees. Unknown errors become
 * INTERNAL and show nothing of themselves; `isExpected` tells the caller whether to log it.
 * Never throws: what user code threw may throw on every look (a revoked Proxy, a getError() that throws).
 */
export function errorEnvelopeFor(error: unknown, event: string | undefined): { body: ErrorBody; isExpected: boolean } {
  try {
    const body = expectedErrorBody(error);
    if (body) return { body: withEvent(event, body), isExpected: true };
  } catch {
    // Unreadable: answered as unexpected, and the caller logs it.
  }
  return { body: internalErrorBody(event), isExpected: false };
}

function expectedErrorBody(error: unknown): ErrorBody | undefined {
  if (error instanceof WsException) return { code: error.code, message: error.message, details: error.details };
  if (error instanceof HttpException) return fromHttpException(error);
  // The same exception from @nestjs/websockets, kept by code moved from Nest's adapters.
  if (isNestWsException(error)) return fromNestWsException(error);
  return undefined;
}

/** What the client sees of an error that was not expected. */
export const internalErrorBody = (event: string | undefined): ErrorBody => withEvent(event, { code: 'INTERNAL', message: internalError() });

/** ValidationPipe throws BadRequestException({ message: string[] }): that is VALIDATION_FAILED. */
function fromHttpException(error: HttpException): ErrorBody {
  const status = error.getStatus();
  const response = error.getResponse();
  const messages = typeof response === 'object' && response !== null ? (response as { message?: unknown }).message : undefined;
  if (status === HttpStatus.BAD_REQUEST && Array.isArray(messages)) {
    return { code: 'VALIDATION_FAILED', message: 'validation failed', details: messages };
  }
  return { code: codeForStatus(status), message: error.message };
}

/** An HTTP status as an error envelope's code: 403 → FORBIDDEN, one without a name → HTTP_<status>. */
export const codeForStatus = (status: number): string => CODE_BY_STATUS[status] ?? `HTTP_${status}`;

const withEvent = (event: string | undefined, body: ErrorBody): ErrorBody =>
  event === undefined ? body : { event, ...body };
