import { CloseCode } from '../protocol/close-code';
import { Connection } from './connection';

export interface HeartbeatOptions {
  /** Time between pings; 0 turns the heartbeat off. */
  intervalMs: number;
  /** Pings left unanswered before the connection is terminated (half-open TCP). */
  maxMissedPongs: number;
  /** Close a connection (1000, "idle timeout") that sent no message for this long; 0 for never. Checked at each tick, so up to one interval late. */
  idleTimeoutMs?: number;
}

/** One timer for every connection: each tick pings, and terminates those that stopped answering. */
export class Heartbeat {
  private readonly missedPongs = new Map<Connection, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: HeartbeatOptions) {}

  add(connection: Connection): void {
    if (this.options.intervalMs <= 0) return;
    this.missedPongs.set(connection, 0);
    this.timer ??= this.start();
  }

  /** The connection closed (its owner calls this: the heartbeat listens to no connection's events). */
  delete(connection: Connection): void {
    this.missedPongs.delete(connection);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private start(): NodeJS.Timeout {
    const timer = setInterval(() => this.tick(), this.options.intervalMs);
    timer.unref();
    return timer;
  }

  private tick(): void {
    const { idleTimeoutMs = 0 } = this.options;
    const now = Date.now();
    const idleSince = now - idleTimeoutMs;
    for (const [connection, counted] of this.missedPongs) {
      const missed = connection.pongSeenSinceLastCheck() ? 0 : counted;
      if (missed >= this.options.maxMissedPongs) {
        this.missedPongs.delete(connection);
        connection.terminate();
        continue;
      }
      // Pongs keep a connection alive but not busy: only messages count against the idle timeout.
      if (idleTimeoutMs > 0 && connection.lastMessageSeenAt(now) < idleSince) {
        connection.close(CloseCode.Normal, 'idle timeout');
        continue;
      }
      this.missedPongs.set(connection, missed + 1);
      connection.ping();
    }
  }
}
