/** What the liveness timer does; a call is skipped while the previous one still runs. */
export interface LivenessTasks {
  /** Pushes this node's deadline in its rooms (and rewrites its state when Redis lost it). */
  beat(): Promise<void>;
  /** A task failed unexpectedly (its own failures are handled inside it). */
  onError(error: unknown): void;
}

/**
 * Node liveness in time. A node's deadline in each of its rooms is its last beat plus 1.5 periods:
 * past it, its members there are ignored by every read, and the next refresh of the room by a live
 * node (within one period) removes them and announces their leaves: at most 2.5 periods after the
 * node's last beat. No node lists the others: a dead node vanishes room by room, by TTL.
 */
export class NodeLiveness {
  readonly ttlMs: number;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly intervalMs: number,
    private readonly tasks: LivenessTasks,
  ) {
    this.ttlMs = Math.ceil(intervalMs * 1.5);
  }

  start(): void {
    this.timer ??= every(this.intervalMs, () => this.tasks.beat(), this.tasks.onError);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

/** A repeating task that never overlaps itself and never keeps the process alive. */
export function every(periodMs: number, task: () => Promise<void>, onError: (error: unknown) => void): NodeJS.Timeout {
  let isRunning = false;
  const timer = setInterval(() => {
    if (isRunning) return;
    isRunning = true;
    task()
      .catch(onError)
      .finally(() => (isRunning = false));
  }, periodMs);
  timer.unref();
  return timer;
}
