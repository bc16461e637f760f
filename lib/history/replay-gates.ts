/** A live frame held for a connection while its missed messages are replayed. */
interface HeldFrame {
  room: string;
  offset: number;
  frame: Buffer;
}

/** One resuming connection: live frames wait here; afterwards, frames at or below the replayed offset are dropped. */
export class ReplayGate {
  private held: HeldFrame[] | undefined = [];
  /** Per room, the newest offset the connection has already been sent (by the replay). */
  private readonly floors = new Map<string, number>();

  /** True when the frame is new to the connection; while replaying, it is held instead (and false returned). */
  admit(room: string, offset: number, frame: Buffer): boolean {
    if (offset <= (this.floors.get(room) ?? 0)) return false;
    if (!this.held) return true;
    this.held.push({ room, offset, frame });
    return false;
  }

  /** The replay of `room` reached `offset`. */
  raiseFloor(room: string, offset: number): void {
    if (offset > (this.floors.get(room) ?? 0)) this.floors.set(room, offset);
  }

  /** Ends the replay: the held frames that are still new, in arrival order. */
  open(): Buffer[] {
    const held = this.held ?? [];
    this.held = undefined;
    return held.filter(({ room, offset }) => offset > (this.floors.get(room) ?? 0)).map(({ frame }) => frame);
  }
}

/**
 * The seam between replay and live delivery, per resuming connection. With Redis, a frame published
 * just before the replay's read can still reach this node after it, so the floors outlive the
 * replay for a grace period.
 */
export class ReplayGates {
  private readonly byConnection = new Map<string, ReplayGate>();

  get(connectionId: string): ReplayGate | undefined {
    return this.byConnection.get(connectionId);
  }

  start(connectionId: string): ReplayGate {
    const gate = new ReplayGate();
    this.byConnection.set(connectionId, gate);
    return gate;
  }

  end(connectionId: string, gate: ReplayGate): void {
    if (this.byConnection.get(connectionId) === gate) this.byConnection.delete(connectionId);
  }
}
