// What the compat specs share: an app of the user's module on loopback, its error lines, and an
// interceptor that puts a handler on Nest's pipeline instead of the direct path.
import { CallHandler, ExecutionContext, INestApplication, Injectable, LoggerService, NestInterceptor } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Observable } from 'rxjs';
import { closeAllTestClients } from '../../../lib/testing';

/** The application's logger: records each error line, drops the rest. */
export class ErrorLines implements LoggerService {
  readonly lines: string[] = [];
  error(message: unknown): void {
    this.lines.push(String(message));
  }
  log(): void {}
  warn(): void {}
}

@Injectable()
export class PassThroughInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle();
  }
}

/** The application of `module`, as a user's e2e test makes it; `configure` runs before listen (127.0.0.1, a free port). Closed again when it does not start. */
export async function startCompatApp(module: object, options: { logger?: LoggerService; configure?(app: INestApplication): void } = {}): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({ imports: [module as never] }).compile();
  const app = moduleRef.createNestApplication({ logger: options.logger ?? false });
  try {
    options.configure?.(app);
    await app.listen(0, '127.0.0.1');
  } catch (error) {
    await app.close();
    throw error;
  }
  return app;
}

/** One app for a describe block: started before its tests, its test clients closed after each, closed after all. */
export function useCompatApp(module: object, options: { logger?: LoggerService } = {}): () => INestApplication {
  let app: INestApplication | undefined;
  beforeAll(async () => {
    app = await startCompatApp(module, options);
  });
  afterEach(closeAllTestClients);
  afterAll(async () => {
    await app?.close();
  });
  return () => {
    if (!app) throw new Error('the app did not start');
    return app;
  };
}
