import { ClientEnvelope, MAX_RESUME_ROOMS, ResumeReply, RoomPosition } from './envelope';

/**
 * Where the client is in each room with history: presented in `$resume`, updated by the reply, and
 * used to drop a replayed push the client already has.
 */
export class RoomPositions {
  private readonly byRoom = new Map<string, RoomPosition>();

  clear(): void {
    this.byRoom.clear();
  }

  /** The newest rooms; one left out is replayed from where the session joined it, and isNew drops what is here already. */
  presented(): Record<string, RoomPosition> {
    return Object.fromEntries([...this.byRoom].slice(-MAX_RESUME_ROOMS));
  }

  /** Takes in the answer to `$resume`; returns the rooms whose state the application must reload. */
  resumed(reply: ResumeReply): string[] {
    if (reply.restored) {
      // The answer names every room of the session with history; a room it left would be presented forever.
      for (const room of this.byRoom.keys()) if (!Object.hasOwn(reply.rooms, room)) this.byRoom.delete(room);
    } else this.byRoom.clear(); // the rooms were not rejoined: nothing to track until onReconnect joins again
    const unrecovered: string[] = [];
    for (const [room, recovery] of Object.entries(reply.rooms)) {
      if (!recovery.recovered) unrecovered.push(room);
      if (reply.restored && !recovery.recovered) this.byRoom.set(room, { offset: recovery.offset, epoch: recovery.epoch });
    }
    return unrecovered;
  }

  /** False for a push from a room with history that this client already has (same epoch, offset not newer). */
  isNew({ room, offset, epoch }: ClientEnvelope): boolean {
    if (typeof room !== 'string' || typeof offset !== 'number' || typeof epoch !== 'string') return true;
    const known = this.byRoom.get(room);
    if (known && known.epoch === epoch && offset <= known.offset) return false;
    this.byRoom.set(room, { offset, epoch });
    return true;
  }
}
