/**
 * Runs tasks one after another, in the order they were pushed, sync or async. A connection
 * with permessage-deflate uses one per direction so that zlib's async work never reorders
 * messages (RFC 6455 §5.4: messages arrive and leave in order).
 */
export class SerialQueue {
  private readonly tasks: (() => void | Promise<void>)[] = [];
  private isRunning = false;

  /** Tasks waiting (not counting the one running). */
  get size(): number {
    return this.tasks.length;
  }

  /** True while a task runs or waits: later work must queue behind it. */
  get isBusy(): boolean {
    return this.isRunning || this.tasks.length > 0;
  }

  push(task: () => void | Promise<void>): void {
    this.tasks.push(task);
    if (!this.isRunning) void this.drain();
  }

  /** Drops what has not started, e.g. once the connection has closed. */
  clear(): void {
    this.tasks.length = 0;
  }

  private async drain(): Promise<void> {
    this.isRunning = true;
    try {
      for (let task = this.tasks.shift(); task; task = this.tasks.shift()) await task();
    } finally {
      this.isRunning = false;
    }
  }
}
