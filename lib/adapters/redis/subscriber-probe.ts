/**
 * Silent-loss detection: a subscriber connection can stay open and stop delivering (a proxy or a
 * NAT that forwards one direction only, a Redis that lost the subscription). Each heartbeat the
 * node publishes a probe on a channel only it subscribes to; a probe still missing at the next
 * heartbeat means messages may have been lost since the last one that came back.
 */
export class SubscriberProbe {
  /** Probes that did not come back in time: each is one possible gap. */
  gaps = 0;
  private outstanding: string | undefined;
  private sequence = 0;

  constructor(private readonly nodeId: string) {}

  /**
   * Called each heartbeat while the subscriber is subscribed: true when the previous probe is still
   * out (a gap); then the id of the next probe to publish.
   */
  next(): { isLost: boolean; requestId: string } {
    const isLost = this.outstanding !== undefined;
    if (isLost) this.gaps++;
    this.outstanding = `${this.nodeId}:probe:${this.sequence++}`;
    return { isLost, requestId: this.outstanding };
  }

  /** A probe came back through the subscriber: it still delivers. */
  received(requestId: string): void {
    if (requestId === this.outstanding) this.outstanding = undefined;
  }

  /** The subscriber reconnected (or is down): nothing is out, the next heartbeat probes afresh. */
  reset(): void {
    this.outstanding = undefined;
  }
}
