import { Logger } from '@nestjs/common';
import { describeError } from './error-description';
import { errorsRepeated } from './messages';

/** How long the repeats of an error line are only counted before they are summarised. */
export const ERROR_LOG_WINDOW_MS = 10_000;

/**
 * The gateway layer's error lines. A client can make user code fail on every message it sends,
 * so each line (it names the culprit: gateway, method, enhancer, codec) is written with its stack
 * once per window; its repeats are counted and summarised in one line when the window ends, or
 * when the application closes. The client still gets every reply.
 */
export class ErrorLog {
  /** The lines written in this window, and how many times each came again since. */
  private readonly repeats = new Map<string, number>();
  private windowEnd: NodeJS.Timeout | undefined;

  constructor(private readonly logger: Logger) {}

  /** `error` is what was thrown, shown with its stack; undefined for a line without one (a hook that never finished). */
  error(line: string, error?: unknown): void {
    const count = this.repeats.get(line);
    if (count !== undefined) {
      this.repeats.set(line, count + 1);
      return;
    }
    this.repeats.set(line, 0);
    this.write(line, error === undefined ? undefined : describeError(error));
    this.windowEnd ??= setTimeout(() => this.flush(), ERROR_LOG_WINDOW_MS).unref();
  }

  /** Ends the window: one summary per line that came again. */
  flush(): void {
    clearTimeout(this.windowEnd);
    this.windowEnd = undefined;
    for (const [line, count] of this.repeats) {
      if (count > 0) this.write(errorsRepeated(line, count, ERROR_LOG_WINDOW_MS), undefined);
    }
    this.repeats.clear();
  }

  /** The application's logger may throw (it is user code too): the request being answered must still be. */
  private write(line: string, stack: string | undefined): void {
    try {
      if (stack === undefined) this.logger.error(line);
      else this.logger.error(line, stack);
    } catch {
      // Nothing is left to report it to; the caller goes on to answer the client.
    }
  }
}
