import { CallHandler, ExecutionContext, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import { Observable, tap } from 'rxjs';

/** An interceptor on a gateway: it sees the ws context (event name, connection) and the reply stream. */
@Injectable()
export class TimingInterceptor implements NestInterceptor {
  private readonly logger = new Logger('Chat');

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const event = context.switchToWs().getPattern() as string;
    const startedAt = performance.now();
    return next.handle().pipe(tap(() => this.logger.debug(`${event} answered in ${(performance.now() - startedAt).toFixed(1)} ms`)));
  }
}
