/**
 * Silent-loss detection: a subscriber connection can stay open and stop delivering (a proxy or a
 * NAT that forwards one direction only, a Redis that lost the subscription). Each heartbeat the
 * node publishes a probe on a channel only it subscribes to, unless one is still out; a probe out
 * for two heartbeats means messages may have been lost since the last one that came back. (One
 * heartbeat of grace: a Redis busy for a moment, or a node's loop blocked, is no loss.)
 */
export class SubscriberProbe {
  /** Probes that did not come back in time: each is one possible gap. */
  gaps = 0;
  private outstanding: string | undefined;
  /** The outstanding probe has already been found missing at one heartbeat. */
  private isOverdue = false;
  private sequence = 0;

  constructor(private readonly nodeId: string) {}

  /**
   * Called each heartbeat while the subscriber is subscribed: isLost when the probe has been out for
   * two heartbeats (a gap); else the id of a probe to publish now, if none is out.
   */
  next(): { isLost: boolean; requestId?: string } {
    if (this.outstanding !== undefined) {
      if (!this.isOverdue) {
        this.isOverdue = true;
        return { isLost: false };
      }
      this.gaps++;
      this.reset();
      return { isLost: true };
    }
    this.outstanding = `${this.nodeId}:probe:${this.sequence++}`;
    return { isLost: false, requestId: this.outstanding };
  }

  /** A probe is out, not back yet. */
  get isOutstanding(): boolean {
    return this.outstanding !== undefined;
  }

  /** A probe came back through the subscriber: it still delivers. */
  received(requestId: string): void {
    if (requestId === this.outstanding) this.reset();
  }

  /** The subscriber reconnected (or is down): nothing is out, the next heartbeat probes afresh. */
  reset(): void {
    this.outstanding = undefined;
    this.isOverdue = false;
  }
}
