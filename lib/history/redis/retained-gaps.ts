import { Logger } from '@nestjs/common';
import { HistoryRead, RetainedEntry, StreamPosition } from '../history-backend.interface';

/** A retained message as it reached this node, framed once. */
export interface RetainedArrival {
  room: string;
  offset: number;
  epoch: string;
  frame: Buffer;
  except: ReadonlySet<string>;
}

/** What filling a gap needs of the history. */
export interface GapHost {
  read(room: string, afterOffset: number): Promise<HistoryRead>;
  frameOf(room: string, epoch: string, entry: RetainedEntry): Buffer;
  /** Writes the frame to this node's members of the room, but `except`. */
  deliver(arrival: RetainedArrival): void;
  hasMembers(room: string): boolean;
}

const NOBODY: ReadonlySet<string> = new Set();

/**
 * The offset this node last delivered in each retained room, and the filling of a gap: when the
 * subscriber went silent (RedisHistoryLink.onGap), live messages of those rooms are held, the
 * streams are read from the last delivered offset once the subscriber is back, what was missed is
 * delivered in order, then the held ones, less what the read already gave. Members see nothing
 * lost that the history holds, nothing twice, in offset order, without reconnecting.
 */
export class RetainedGaps {
  /** Entries the fills delivered (missed live, found in the streams). */
  filledEntries = 0;
  private readonly delivered = new Map<string, StreamPosition>();
  private readonly held = new Map<string, RetainedArrival[]>();
  private readonly logger = new Logger('RedisHistory');
  private pruneAtSize = 64;

  constructor(private readonly host: GapHost) {}

  /** A live message: delivered now, or held while its room is filled. */
  receive(arrival: RetainedArrival): void {
    const held = this.held.get(arrival.room);
    if (held) held.push(arrival);
    else this.deliverOnce(arrival);
  }

  /**
   * This node stopped listening to the room: what it delivered there is no start for a fill any more
   * (a member joining later must not get what was retained before it joined). Until the next live
   * message of the room arrives, a gap there has nothing to fill, as for a room new to the node.
   */
  forget(room: string): void {
    this.delivered.delete(room);
  }

  /** Messages of every room this node delivers may be lost: hold them, fill each once `resubscribed` settles. */
  async fill(resubscribed: Promise<boolean>): Promise<void> {
    const rooms = [...this.delivered.keys()].filter((room) => this.host.hasMembers(room) && !this.held.has(room));
    for (const room of rooms) this.held.set(room, []);
    await resubscribed; // filled even when it is not back: what Redis holds is delivered now, not never
    await Promise.all(rooms.map((room) => this.fillRoom(room)));
  }

  private async fillRoom(room: string): Promise<void> {
    try {
      const from = this.delivered.get(room);
      if (!from) return;
      const read = await this.host.read(room, from.offset);
      if (read.epoch !== from.epoch) return; // a new history: nothing of the old one to give
      if (this.delivered.get(room) !== from) return; // forgotten meanwhile: the node left the room
      for (const entry of read.entries) {
        const except = entry.except ? new Set(entry.except) : NOBODY;
        if (this.deliverOnce({ room, offset: entry.offset, epoch: read.epoch, frame: this.host.frameOf(room, read.epoch, entry), except })) this.filledEntries++;
      }
    } catch (error) {
      this.logger.error(`filling the gap of room ${room} failed: its members may have missed messages`, error instanceof Error ? error.stack : String(error));
    } finally {
      const held = this.held.get(room) ?? [];
      this.held.delete(room);
      for (const arrival of held) this.deliverOnce(arrival);
    }
  }

  /** Delivers unless this node has delivered that offset of the epoch already; true when delivered. */
  private deliverOnce(arrival: RetainedArrival): boolean {
    const last = this.delivered.get(arrival.room);
    if (last?.epoch === arrival.epoch && arrival.offset <= last.offset) return false;
    if (!last) this.pruneIfLarge();
    this.delivered.set(arrival.room, { epoch: arrival.epoch, offset: arrival.offset });
    this.host.deliver(arrival);
    return true;
  }

  /** Forgets rooms this node has no member in any more, each time the map has doubled: amortized O(1). */
  private pruneIfLarge(): void {
    if (this.delivered.size < this.pruneAtSize) return;
    for (const room of this.delivered.keys()) if (!this.host.hasMembers(room)) this.delivered.delete(room);
    this.pruneAtSize = Math.max(64, 2 * this.delivered.size);
  }
}
