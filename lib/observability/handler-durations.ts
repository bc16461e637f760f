import { LatencyHistogram, LatencySnapshot } from './latency-histogram';

/** Told about each handled message: the gateway, the event (undefined for the raw handler) and the time it took. */
export type HandlerDurationListener = (gateway: string, event: string | undefined, durationMs: number) => void;

/**
 * Where the durations of one (gateway, event) handler go: one histogram per tracker, each in its
 * tracker's bounds. The dispatcher resolves it once per handler, so a message costs a bucket scan
 * per tracker: no label strings, no lookup.
 */
export class HandlerDurationRecorder {
  private readonly histograms: LatencyHistogram[] = [];

  constructor(
    readonly gateway: string,
    /** undefined for the raw handler. */
    readonly event: string | undefined,
  ) {}

  observe(durationMs: number): void {
    const histograms = this.histograms;
    for (let i = 0; i < histograms.length; i++) histograms[i].observe(durationMs);
  }

  feed(histogram: LatencyHistogram): void {
    this.histograms.push(histogram);
  }

  stopFeeding(histogram: LatencyHistogram): void {
    remove(this.histograms, histogram);
  }
}

/** One (gateway, event) as a tracker read it. */
export interface HandlerDurationSeries {
  gateway: string;
  /** undefined for the raw handler. */
  event: string | undefined;
  /** In the tracker's bounds; every handler has a series, `count` 0 until its first message since the tracker began. */
  durations: LatencySnapshot;
}

/** Per-(gateway, event) histograms in bounds of a consumer's choosing, fed from its creation until `release()`. */
export class HandlerDurationTracker {
  private readonly series: { recorder: HandlerDurationRecorder; histogram: LatencyHistogram }[] = [];

  constructor(
    private readonly boundsMs: readonly number[],
    private readonly onRelease: (tracker: HandlerDurationTracker) => void,
  ) {}

  /** Takes the durations of `recorder`'s handler from now on. */
  follow(recorder: HandlerDurationRecorder): void {
    const histogram = new LatencyHistogram(this.boundsMs);
    recorder.feed(histogram);
    this.series.push({ recorder, histogram });
  }

  read(): HandlerDurationSeries[] {
    return this.series.map(({ recorder, histogram }) => ({ gateway: recorder.gateway, event: recorder.event, durations: histogram.snapshot() }));
  }

  /** Stops every recorder feeding this tracker, the ones to come included. */
  release(): void {
    for (const { recorder, histogram } of this.series) recorder.stopFeeding(histogram);
    this.series.length = 0;
    this.onRelease(this);
  }
}

/**
 * Handler durations across gateways: the recorders, the trackers they feed and the listeners that
 * hear each message. A recorder made after a tracker feeds it, and a tracker made after a recorder
 * follows it, since gateways bind and metrics modules start in no fixed order.
 */
export class HandlerDurations {
  /** Called on every message; when there are none, the message path only reads the length. */
  readonly listeners: HandlerDurationListener[] = [];
  private readonly recorders: HandlerDurationRecorder[] = [];
  private readonly trackers: HandlerDurationTracker[] = [];

  recorder(gateway: string, event: string | undefined): HandlerDurationRecorder {
    const recorder = new HandlerDurationRecorder(gateway, event);
    this.recorders.push(recorder);
    for (const tracker of this.trackers) tracker.follow(recorder);
    return recorder;
  }

  /** Adds `listener`; returns the function that removes it. */
  listen(listener: HandlerDurationListener): () => void {
    this.listeners.push(listener);
    return () => remove(this.listeners, listener);
  }

  track(boundsMs: readonly number[]): HandlerDurationTracker {
    const tracker = new HandlerDurationTracker(boundsMs, (released) => remove(this.trackers, released));
    this.trackers.push(tracker);
    for (const recorder of this.recorders) tracker.follow(recorder);
    return tracker;
  }
}

function remove<T>(items: T[], item: T): void {
  const index = items.indexOf(item);
  if (index >= 0) items.splice(index, 1);
}
