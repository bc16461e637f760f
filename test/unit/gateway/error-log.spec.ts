import { Logger } from '@nestjs/common';
import { ERROR_LOG_WINDOW_MS, ErrorLog } from '../../../lib/gateway/error-log';
import { errorsRepeated } from '../../../lib/gateway/messages';

describe('ErrorLog', () => {
  let written: unknown[][];
  let log: ErrorLog;

  beforeEach(() => {
    jest.useFakeTimers();
    written = [];
    log = new ErrorLog({ error: (...args: unknown[]) => void written.push(args) } as unknown as Logger);
  });

  afterEach(() => {
    log.flush();
    jest.useRealTimers();
  });

  it('writes a line with its stack once per window, and its repeats as one summary when the window ends', () => {
    const error = new Error('boom');
    for (let i = 0; i < 3; i++) log.error('A.fail threw', error);
    log.error('guard G of A.fail threw', error);
    expect(written).toEqual([
      ['A.fail threw', error.stack],
      ['guard G of A.fail threw', error.stack],
    ]);

    jest.advanceTimersByTime(ERROR_LOG_WINDOW_MS);
    expect(written.slice(2)).toEqual([[errorsRepeated('A.fail threw', 2, ERROR_LOG_WINDOW_MS)]]);

    log.error('A.fail threw', error); // a new window: the stack again
    expect(written.slice(3)).toEqual([['A.fail threw', error.stack]]);
  });

  it("goes on when the application's logger throws, also when the window ends on a timer", () => {
    const throwing = new ErrorLog({ error: () => { throw new Error('logger exploded'); } } as unknown as Logger);
    throwing.error('A.fail threw', new Error('boom'));
    throwing.error('A.fail threw', new Error('boom'));

    expect(() => jest.advanceTimersByTime(ERROR_LOG_WINDOW_MS)).not.toThrow();
    expect(jest.getTimerCount()).toBe(0);
  });

  it('writes a line without an error as it is, and leaves no timer once flushed', () => {
    log.error('A.handleConnection has not finished');
    log.error('A.handleConnection has not finished');
    log.flush();
    expect(written).toEqual([['A.handleConnection has not finished'], [errorsRepeated('A.handleConnection has not finished', 1, ERROR_LOG_WINDOW_MS)]]);
    expect(jest.getTimerCount()).toBe(0);
  });
});
