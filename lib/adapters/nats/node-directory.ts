/**
 * The other nodes this one has heard from lately (a hello or a beat on the nodes subject): how
 * many answers a question to all of them waits for. A node silent for `ttlMs` is no longer
 * counted, and one that said bye at once.
 */
export class NodeDirectory {
  private readonly lastHeardMs = new Map<string, number>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  heard(nodeId: string): void {
    this.lastHeardMs.set(nodeId, this.now());
  }

  left(nodeId: string): void {
    this.lastHeardMs.delete(nodeId);
  }

  /** Other nodes heard within the TTL; the silent ones are forgotten here. */
  get liveCount(): number {
    const since = this.now() - this.ttlMs;
    for (const [nodeId, heardMs] of this.lastHeardMs) if (heardMs < since) this.lastHeardMs.delete(nodeId);
    return this.lastHeardMs.size;
  }
}
