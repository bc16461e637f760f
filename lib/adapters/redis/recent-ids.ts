/**
 * Message ids seen lately, at most `capacity` of them (the oldest go first). A broadcast to
 * several rooms reaches a node once per room channel it subscribes; the copies arrive back to
 * back on one connection, so a short memory is enough to deliver it once.
 */
export class RecentIds {
  private readonly ids = new Set<string>();

  constructor(private readonly capacity: number) {}

  /** True when `id` was seen before; otherwise remembers it. */
  seen(id: string): boolean {
    if (this.ids.has(id)) return true;
    this.ids.add(id);
    if (this.ids.size > this.capacity) this.ids.delete(this.ids.values().next().value as string);
    return false;
  }
}
