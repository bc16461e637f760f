import { TrafficCounters } from '../transport/traffic-counters';
import { HandlerDurationRecorder, HandlerDurations } from './handler-durations';
import { LatencyHistogram } from './latency-histogram';
import { GatewayStatsSnapshot } from './stats-snapshot.interface';

// The public index takes the listener type from here.
export type { HandlerDurationListener } from './handler-durations';

/**
 * The live counters of one gateway. Its connections bump the traffic fields directly (it is
 * their TrafficCounters); the gateway host and dispatcher call the methods.
 */
export class GatewayStats implements TrafficCounters {
  messagesIn = 0;
  bytesIn = 0;
  messagesOut = 0;
  bytesOut = 0;
  droppedOverflow = 0;
  slowConsumerCloses = 0;
  private connectionsOpened = 0;
  private connections = 0;
  private rateLimited = 0;
  private readonly errors = new Map<string, number>();
  private readonly closes = new Map<number, number>();
  private readonly latency = new LatencyHistogram();
  private readonly recorders = new Map<string | undefined, HandlerDurationRecorder>();

  constructor(
    readonly gateway: string,
    readonly path: string,
    private readonly durations: HandlerDurations,
  ) {}

  get handlerLatency(): LatencyHistogram {
    return this.latency;
  }

  connectionOpened(): void {
    this.connectionsOpened++;
    this.connections++;
  }

  connectionClosed(code: number): void {
    this.connections--;
    increment(this.closes, code);
  }

  /** An `error` envelope with this code went out (or an exception filter answered with one). */
  errorSent(code: string): void {
    increment(this.errors, code);
  }

  /** A message went over the rate limit. */
  rateLimitExceeded(): void {
    this.rateLimited++;
  }

  /** Where the durations of `event`'s handler go (undefined: the raw handler); a dispatcher asks once per handler. */
  recorderFor(event: string | undefined): HandlerDurationRecorder {
    let recorder = this.recorders.get(event);
    if (!recorder) this.recorders.set(event, (recorder = this.durations.recorder(this.gateway, event)));
    return recorder;
  }

  /** A message was answered by the handler `recorder` belongs to, in `durationMs`. */
  handled(recorder: HandlerDurationRecorder, durationMs: number): void {
    this.latency.observe(durationMs);
    recorder.observe(durationMs);
    const { listeners } = this.durations;
    for (let i = 0; i < listeners.length; i++) listeners[i](this.gateway, recorder.event, durationMs);
  }

  snapshot(): GatewayStatsSnapshot {
    return {
      path: this.path,
      connections: this.connections,
      connectionsOpened: this.connectionsOpened,
      messagesIn: this.messagesIn,
      messagesOut: this.messagesOut,
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      errors: Object.fromEntries(this.errors),
      closes: Object.fromEntries(this.closes),
      droppedMessages: { overflow: this.droppedOverflow, rateLimit: this.rateLimited },
      slowConsumerCloses: this.slowConsumerCloses,
      handlerLatency: this.latency.snapshot(),
    };
  }
}

function increment<K>(counts: Map<K, number>, key: K): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}
