import { Logger, LogLevel } from '@nestjs/common';

/** The library's own levels unless `logLevels` says otherwise: per-connection lines (debug) stay quiet. */
export const DEFAULT_LOG_LEVELS: readonly LogLevel[] = ['log', 'warn', 'error', 'fatal'];

/**
 * Nest's Logger, with the module's `logLevels` applied on top of the application's: a line is
 * written when both allow its level. Writes go through Nest (`app.useLogger()` decides where).
 */
export class LibraryLogger extends Logger {
  private readonly levels: ReadonlySet<LogLevel>;

  constructor(context: string, levels: readonly LogLevel[] = DEFAULT_LOG_LEVELS) {
    super(context);
    this.levels = new Set(levels);
  }

  override log(message: unknown, ...optionalParams: unknown[]): void {
    if (this.levels.has('log')) super.log(message, ...optionalParams);
  }

  override error(message: unknown, ...optionalParams: unknown[]): void {
    if (this.levels.has('error')) super.error(message, ...optionalParams);
  }

  override warn(message: unknown, ...optionalParams: unknown[]): void {
    if (this.levels.has('warn')) super.warn(message, ...optionalParams);
  }

  override debug(message: unknown, ...optionalParams: unknown[]): void {
    if (this.levels.has('debug')) super.debug(message, ...optionalParams);
  }

  override verbose(message: unknown, ...optionalParams: unknown[]): void {
    if (this.levels.has('verbose')) super.verbose(message, ...optionalParams);
  }

  override fatal(message: unknown, ...optionalParams: unknown[]): void {
    if (this.levels.has('fatal')) super.fatal(message, ...optionalParams);
  }
}
