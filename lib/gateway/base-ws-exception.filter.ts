import { ArgumentsHost, ExceptionFilter } from '@nestjs/common';
import { isInstanceOf } from './error-description';

/**
 * The default error answer, for exception filters that add to it, as `BaseWsExceptionFilter` of
 * `@nestjs/websockets` is used: `super.catch(exception, host)` hands the exception back to the
 * gateway, which answers the `error` envelope it would have sent without the filter (docs/gateways.md)
 * and logs an unexpected error once: as the handler's when it is the one caught, as the filter's when
 * the filter made another. It does so by throwing: call it last.
 *
 * @example
 * ＠Catch()
 * export class AuditFilter extends BaseWsExceptionFilter {
 *   override catch(exception: unknown, host: ArgumentsHost) {
 *     audit.record(host.switchToWs().getPattern(), exception);
 *     super.catch(exception, host);
 *   }
 * }
 */
export class BaseWsExceptionFilter<T = unknown> implements ExceptionFilter<T> {
  catch(exception: T, _host: ArgumentsHost): void {
    throw new ExceptionHandedBack(exception);
  }
}

/** What BaseWsExceptionFilter.catch() throws: a filter that cannot return its wish says it this way. */
export class ExceptionHandedBack extends Error {
  constructor(readonly exception: unknown) {
    super('BaseWsExceptionFilter.catch() hands the exception back to a nest-rfc6455 gateway');
  }
}

/** What a filter threw, when it was BaseWsExceptionFilter handing an exception back for the default answer. */
export const handedBack = (thrown: unknown): ExceptionHandedBack | undefined => (isInstanceOf(thrown, ExceptionHandedBack) ? thrown : undefined);
