import { Logger } from '@nestjs/common';
import { DEFAULT_LOG_LEVELS, LibraryLogger } from '../../../lib/observability/library-logger';

describe('LibraryLogger', () => {
  const written = new Map<string, jest.SpyInstance>();

  beforeEach(() => {
    for (const level of ['log', 'error', 'warn', 'debug', 'verbose', 'fatal'] as const) {
      written.set(level, jest.spyOn(Logger.prototype, level).mockImplementation(() => undefined));
    }
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  const writeEveryLevel = (logger: LibraryLogger): string[] => {
    logger.log('l');
    logger.error('e', 'stack');
    logger.warn('w');
    logger.debug('d');
    logger.verbose('v');
    logger.fatal('f');
    return [...written].filter(([, spy]) => spy.mock.calls.length > 0).map(([level]) => level);
  };

  it('writes log, warn, error and fatal lines by default, and keeps debug and verbose quiet', () => {
    expect(writeEveryLevel(new LibraryLogger('WebSocket'))).toEqual(['log', 'error', 'warn', 'fatal']);
    expect(DEFAULT_LOG_LEVELS).toEqual(['log', 'warn', 'error', 'fatal']);
  });

  it('writes exactly the levels it is given, passing the arguments on to Nest’s Logger', () => {
    const logger = new LibraryLogger('WebSocket', ['error', 'debug']);

    expect(writeEveryLevel(logger)).toEqual(['error', 'debug']);
    expect(written.get('error')?.mock.calls[0]).toEqual(['e', 'stack']);
  });
});
