// Issue 14, attacked as an outsider (STYLE.md §10): a careless application's failing user code
// must not let a client flood the logs, and an error whose stack cannot be read must still be
// answered and logged. The process must see no uncaught exception or unhandled rejection.
import { CanActivate, Injectable, LoggerService, Module, UseGuards } from '@nestjs/common';
import { concatMap, from, interval, map, Observable, timer } from 'rxjs';
import WebSocket from 'ws';
import { Gateway, MessageBody, OnMessage, WebSocketModule } from '../../../lib';
import { ERROR_LOG_WINDOW_MS } from '../../../lib/gateway/error-log';
import { enhancerFailed, errorsRepeated, handlerFailed, internalError } from '../../../lib/gateway/messages';
import { startApp, StartedApp } from '../../fixtures/gateways/test-app';

interface LoggedError {
  message: string;
  stack: string | undefined;
}

class ErrorRecorder implements LoggerService {
  readonly errors: LoggedError[] = [];
  error(message: unknown, stack?: unknown): void {
    this.errors.push({ message: String(message), stack: typeof stack === 'string' ? stack : undefined });
  }
  log(): void {}
  warn(): void {}
}

/** What a guard throws when the test says so: an Error made by `make` inside canActivate. */
let makeGuardError: () => unknown = () => new Error('guard exploded');

@Injectable()
class ExplodingGuard implements CanActivate {
  canActivate(): boolean {
    throw makeGuardError();
  }
}

// A bundler that minifies class names gives unrelated classes the same one-letter name: here a
// guard that lets everything pass and a service the handler calls.
const MinifiedGuard = (() => {
  @Injectable()
  class e implements CanActivate {
    canActivate(): boolean {
      return true;
    }
  }
  return e;
})();
const minifiedService = (() => {
  class e {
    run(): never {
      throw new Error('service exploded');
    }
  }
  return new e();
})();

@Gateway({ path: '/attack' })
class AttackGateway {
  @OnMessage('fail')
  fail(@MessageBody() n: number): never {
    throw new Error(`fail ${n}`);
  }

  @OnMessage('minified')
  @UseGuards(MinifiedGuard)
  minified(): never {
    return minifiedService.run();
  }

  /** `count` numbered emissions, each in a later macrotask, so concurrent streams interleave. */
  @OnMessage('count')
  count(@MessageBody() count: number): Observable<number> {
    return from(Array.from({ length: count }, (_, i) => i)).pipe(concatMap((i) => timer(0).pipe(map(() => i))));
  }

  @OnMessage('hang')
  hang(): Promise<never> {
    return new Promise(() => undefined);
  }

  @OnMessage('endless')
  endless(): Observable<number> {
    return interval(1);
  }

  @OnMessage('guarded')
  @UseGuards(ExplodingGuard)
  guarded(): string {
    return 'unreachable';
  }
}

@Gateway({ path: '/attack-deflate', perMessageDeflate: true })
class DeflateAttackGateway extends AttackGateway {}

// A short close timeout: shutdown stops waiting for a hung handler after it.
@Module({ imports: [WebSocketModule.forRoot({ closeTimeoutMs: 300 })], providers: [AttackGateway, DeflateAttackGateway, ExplodingGuard] })
class AttackModule {}

/** Far above what each exchange needs on a loaded machine: only a request left unanswered reaches them. */
const FLOOD_WAIT_MS = 90_000;
const REPLY_WAIT_MS = 10_000;

const internalReply = (event: string, id: number): object => ({ event: 'error', data: { event, code: 'INTERNAL', message: internalError() }, id });

describe('user code attacked as an outsider would', () => {
  let started: StartedApp;
  let recorder: ErrorRecorder;
  let client: WebSocket;
  let isClosed: boolean;
  // No listener of ours on `process`: Jest keeps uncaught exceptions and unhandled rejections from
  // reaching one, and fails the test they happen in itself (checked with a probe spec).

  beforeEach(async () => {
    recorder = new ErrorRecorder();
    started = await startApp(AttackModule, { logger: recorder });
    isClosed = false;
    client = new WebSocket(started.wsUrl('/attack'));
    await new Promise((resolve, reject) => client.once('open', resolve).once('error', reject));
  });

  afterEach(async () => {
    client.close();
    if (!isClosed) await started.app.close();
    // A rejection nobody handled is reported after the microtasks of its tick.
    await new Promise((resolve) => setImmediate(resolve));
  });

  /** Sends every message at once and resolves with the first `count` replies, parsed; rejects with those seen if the rest never come. */
  const exchange = async (messages: object[], waitMs: number, count = messages.length): Promise<unknown[]> => {
    const replies: unknown[] = [];
    const done = new Promise<void>((resolve, reject) => {
      setTimeout(() => reject(new Error(`${replies.length} of ${count} replies: ${JSON.stringify(replies.slice(-3))}`)), waitMs).unref();
      const onMessage = (data: WebSocket.RawData): void => {
        replies.push(JSON.parse(String(data)));
        if (replies.length < count) return;
        client.off('message', onMessage);
        resolve();
      };
      client.on('message', onMessage);
    });
    for (const message of messages) client.send(JSON.stringify(message));
    await done;
    return replies;
  };

  it('logs a flood of failures once per culprit with its stack and summarises the repeats, while every request is answered', async () => {
    const FLOOD = 10_000;
    const messages = Array.from({ length: FLOOD }, (_, i) => ({ event: i % 2 === 0 ? 'fail' : 'guarded', data: i, id: i }));
    const startedAt = performance.now();

    const replies = await exchange(messages, FLOOD_WAIT_MS);
    await started.app.close(); // writes the summaries still pending
    isClosed = true;
    const elapsedMs = performance.now() - startedAt;

    // Requests with ids may be answered in any order.
    const byId = (replies as { id: number }[]).sort((a, b) => a.id - b.id);
    expect(byId).toEqual(messages.map(({ event, id }) => internalReply(event, id)));
    const windows = 1 + Math.floor(elapsedMs / ERROR_LOG_WINDOW_MS);
    for (const line of [handlerFailed('AttackGateway', 'fail'), enhancerFailed('guard', 'ExplodingGuard', 'AttackGateway', 'guarded')]) {
      const full = recorder.errors.filter((error) => error.message === line);
      expect(full.length).toBeGreaterThanOrEqual(1);
      expect(full.length).toBeLessThanOrEqual(windows);
      expect(full.every((error) => error.stack?.includes('exploded') || error.stack?.includes('fail '))).toBe(true);
      const summaries = recorder.errors.filter((error) => error.message !== line && error.message.startsWith(line));
      const repeats = summaries.map((error) => Number(/ (\d+) more times/.exec(error.message)?.[1]));
      expect(summaries.map((error) => error.message)).toEqual(repeats.map((count) => errorsRepeated(line, count, ERROR_LOG_WINDOW_MS)));
      expect(full.length + repeats.reduce((sum, count) => sum + count, 0)).toBe(FLOOD / 2);
    }
    expect(recorder.errors).toHaveLength(recorder.errors.filter((error) => error.message.includes('AttackGateway')).length);
  }, 2 * FLOOD_WAIT_MS);

  const UNREADABLE_STACKS: { name: string; make(): unknown; around?(run: () => Promise<void>): Promise<void> }[] = [
    {
      name: 'a stack getter that throws',
      make: () => Object.defineProperty(new Error('guard exploded'), 'stack', { get: () => { throw new Error('no stack for you'); } }),
    },
    { name: 'a stack that is not a string', make: () => Object.assign(new Error('guard exploded'), { stack: 42 }) },
    {
      name: 'Error.prepareStackTrace that throws',
      make: () => new Error('guard exploded'),
      async around(run) {
        const original = Error.prepareStackTrace;
        Error.prepareStackTrace = () => {
          throw new Error('prepareStackTrace exploded');
        };
        try {
          await run();
        } finally {
          Error.prepareStackTrace = original;
        }
      },
    },
    {
      name: 'Error.stackTraceLimit of 0',
      make: () => new Error('guard exploded'),
      async around(run) {
        const original = Error.stackTraceLimit;
        Error.stackTraceLimit = 0;
        try {
          await run();
        } finally {
          Error.stackTraceLimit = original;
        }
      },
    },
  ];

  it.each(['/attack', '/attack-deflate'])('delivers the emissions of 20 concurrent Observables on one connection each in order (%s)', async (path) => {
    client.close();
    client = new WebSocket(started.wsUrl(path));
    await new Promise((resolve, reject) => client.once('open', resolve).once('error', reject));
    expect(client.extensions.includes('permessage-deflate')).toBe(path === '/attack-deflate');
    const STREAMS = 20;
    const EMISSIONS = 50;

    const replies = (await exchange(Array.from({ length: STREAMS }, (_, id) => ({ event: 'count', data: EMISSIONS, id })), REPLY_WAIT_MS, STREAMS * EMISSIONS)) as { id: number; data: number }[];

    for (let id = 0; id < STREAMS; id++) {
      expect(replies.filter((reply) => reply.id === id).map((reply) => reply.data)).toEqual(Array.from({ length: EMISSIONS }, (_, i) => i));
    }
  }, 2 * REPLY_WAIT_MS);

  it.each(['/attack', '/attack-deflate'])('closes the app during a flood of failing requests, with hung handlers and endless Observables: the client gets 1001 (%s)', async (path) => {
    client.close();
    client = new WebSocket(started.wsUrl(path));
    await new Promise((resolve, reject) => client.once('open', resolve).once('error', reject));
    const closed = new Promise<number>((resolve) => client.once('close', resolve));
    const messages = Array.from({ length: 2_000 }, (_, id) => ({ event: ['fail', 'hang', 'endless', 'guarded'][id % 4], data: id, id }));
    await exchange(messages.slice(0, 4), REPLY_WAIT_MS, 3); // the Observable has emitted once: everything is running
    for (const message of messages.slice(4)) client.send(JSON.stringify(message));

    await started.app.close();
    isClosed = true;

    expect(await closed).toBe(1001);
  }, 2 * REPLY_WAIT_MS);

  it("blames the handler, not a guard that shares a name with a class in the handler's stack (minified)", async () => {
    expect(await exchange([{ event: 'minified', id: 1 }], REPLY_WAIT_MS)).toEqual([internalReply('minified', 1)]);

    expect(recorder.errors.map((error) => error.message)).toEqual([handlerFailed('AttackGateway', 'minified')]);
    expect(recorder.errors[0].stack).toContain('service exploded');
  }, 2 * REPLY_WAIT_MS);

  it('answers every request when the application logger throws on each error line', async () => {
    recorder.error = () => {
      throw new Error('logger exploded');
    };

    const messages = [{ event: 'fail', data: 1, id: 1 }, { event: 'guarded', id: 2 }, { event: 'fail', data: 3, id: 3 }];
    const replies = (await exchange(messages, REPLY_WAIT_MS)) as { id: number }[];

    expect(replies.sort((a, b) => a.id - b.id)).toEqual(messages.map(({ event, id }) => internalReply(event, id)));
  }, 2 * REPLY_WAIT_MS);

  it.each(UNREADABLE_STACKS)('answers INTERNAL and logs one line when a guard throws an error with $name', async ({ make, around }) => {
    makeGuardError = make;
    const run = async (): Promise<void> => {
      expect(await exchange([{ event: 'guarded', id: 1 }], REPLY_WAIT_MS)).toEqual([internalReply('guarded', 1)]);
    };
    await (around ? around(run) : run());
    makeGuardError = () => new Error('guard exploded');

    expect(recorder.errors.map((error) => error.message)).toHaveLength(1);
    expect(recorder.errors[0].message).toMatch(/AttackGateway\.guarded threw$/);
  }, 2 * REPLY_WAIT_MS);
});
