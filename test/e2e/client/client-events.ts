// Waits on a WsClient's events in e2e tests: each log starts recording when created, so nothing
// that arrives before the test awaits is lost, and every wait is bounded.
import { ConnectionEvents, WsClient } from '../../../lib/client';

export const WAIT_MS = 5_000;

interface Waiter<T> {
  accepts(item: T): boolean;
  resolve(item: T): void;
}

export class EventLog<T> {
  readonly items: T[] = [];
  private readonly waiters = new Set<Waiter<T>>();

  constructor(private readonly what: string) {}

  /** The listener to register. */
  readonly record = (item: T): void => {
    this.items.push(item);
    for (const waiter of this.waiters) {
      if (waiter.accepts(item)) {
        this.waiters.delete(waiter);
        waiter.resolve(item);
      }
    }
  };

  /** The first recorded item (past or future) that matches. */
  async find(accepts: (item: T) => boolean = () => true, timeoutMs = WAIT_MS): Promise<T> {
    const found = this.items.find(accepts);
    if (found !== undefined) return found;
    let timer: NodeJS.Timeout | undefined;
    try {
      return await new Promise<T>((resolve, reject) => {
        const waiter: Waiter<T> = { accepts, resolve };
        this.waiters.add(waiter);
        timer = setTimeout(() => {
          this.waiters.delete(waiter);
          reject(new Error(`no matching ${this.what} within ${timeoutMs} ms; recorded: ${JSON.stringify(this.items)}`));
        }, timeoutMs);
      });
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Records one server event of `client`. */
export function logEvent<T>(client: WsClient<object, Record<string, unknown>>, event: string): EventLog<T> {
  const log = new EventLog<T>(`"${event}" event`);
  client.on(event, (data) => log.record(data as T));
  return log;
}

/** Records one connection event of `client`. */
export function logConnection<K extends keyof ConnectionEvents>(client: WsClient<object, object>, event: K): EventLog<ConnectionEvents[K]> {
  const log = new EventLog<ConnectionEvents[K]>(`connection "${event}"`);
  client.onConnection(event, log.record);
  return log;
}
