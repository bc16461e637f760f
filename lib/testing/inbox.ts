interface Waiter<T> {
  accepts(item: T): boolean;
  resolve(item: T): void;
  reject(error: Error): void;
}

/**
 * Everything a test client received, kept until a test takes it: nothing is lost between two
 * awaits, and a test may take messages out of arrival order (the first one that matches).
 */
export class Inbox<T> {
  private readonly items: T[] = [];
  private readonly waiters = new Set<Waiter<T>>();
  private failure: Error | undefined;

  constructor(private readonly describeItem: (item: T) => string) {}

  push(item: T): void {
    for (const waiter of this.waiters) {
      if (waiter.accepts(item)) {
        this.waiters.delete(waiter);
        waiter.resolve(item);
        return;
      }
    }
    this.items.push(item);
  }

  /** The first unread item that `accepts`, waiting at most `timeoutMs` for it. */
  take(accepts: (item: T) => boolean, timeoutMs: number, expected: () => string): Promise<T> {
    const index = this.items.findIndex(accepts);
    if (index >= 0) return Promise.resolve(this.items.splice(index, 1)[0]);
    if (this.failure) return Promise.reject(this.withExpectation(this.failure, expected()));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`expected ${expected()} within ${timeoutMs} ms; ${this.describeUnread()}`));
      }, timeoutMs);
      const waiter: Waiter<T> = {
        accepts,
        resolve: (item) => {
          clearTimeout(timer);
          resolve(item);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(this.withExpectation(error, expected()));
        },
      };
      this.waiters.add(waiter);
    });
  }

  /** Nothing more will arrive: every wait that finds nothing fails with `error`. */
  fail(error: Error): void {
    this.failure = error;
    for (const waiter of this.waiters) waiter.reject(error);
    this.waiters.clear();
  }

  private withExpectation(error: Error, expected: string): Error {
    return new Error(`expected ${expected}, but ${error.message}; ${this.describeUnread()}`);
  }

  private describeUnread(): string {
    return this.items.length === 0 ? 'nothing unread' : `unread:\n  ${this.items.map(this.describeItem).join('\n  ')}`;
  }
}
