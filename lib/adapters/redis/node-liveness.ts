/** What the liveness timers do; each call is skipped while the previous one of its kind still runs. */
export interface LivenessTasks {
  /** Pushes this node's deadline (and rewrites its state when Redis lost it). */
  beat(): Promise<void>;
  /** Finds nodes past their deadline and purges them, announcing their members' departures. */
  reap(): Promise<void>;
  /** A task failed unexpectedly (its own failures are handled inside it). */
  onError(error: unknown): void;
}

/**
 * Node liveness in time. A node's deadline is its last beat plus 1.5 periods, and every node
 * looks for dead ones four times a period, so a killed node is purged at most
 * 1.5 + 0.25 = 1.75 periods after its last beat: within the "two heartbeat periods" we promise.
 */
export class NodeLiveness {
  readonly ttlMs: number;
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly intervalMs: number,
    private readonly tasks: LivenessTasks,
  ) {
    this.ttlMs = Math.ceil(intervalMs * 1.5);
  }

  start(): void {
    const { tasks } = this;
    this.timers.push(every(this.intervalMs, () => tasks.beat(), tasks.onError), every(Math.max(1, Math.floor(this.intervalMs / 4)), () => tasks.reap(), tasks.onError));
  }

  stop(): void {
    for (const timer of this.timers.splice(0)) clearInterval(timer);
  }
}

/** A repeating task that never overlaps itself and never keeps the process alive. */
function every(periodMs: number, task: () => Promise<void>, onError: (error: unknown) => void): NodeJS.Timeout {
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
