import { RedisCommandClient } from './redis-clients';
import { PresenceMember, PresenceMeta } from '../../rooms/presence-store.interface';
import { RedisNames, roomGroup } from './redis-channels';
import { JOIN_ROOM, LEAVE_ROOM, READ_PRESENCE, REFRESH_ROOMS, REPLACE_NODE_IN_ROOM } from './redis-scripts';

/** A presence entry found in Redis: the room, the connection, its metadata. */
export interface PresenceEntry {
  room: string;
  id: string;
  meta: PresenceMeta;
}

/** One of this node's rooms as it must appear in Redis: its members here and their presence metadata. */
export interface RoomSnapshot {
  room: string;
  members: ReadonlyMap<string, PresenceMeta | undefined>;
}

/** How presence in Redis changed when this node rewrote its state. */
export interface PresenceDiff {
  departed: PresenceEntry[];
  arrived: PresenceEntry[];
}

/** What a refresh of this node's rooms found. */
export interface RefreshResult {
  /** Redis had lost this node in some room (restarted, flushed, or the node was cut off past its deadline): rewrite it. */
  isLost: boolean;
  /** Members of dead nodes this refresh removed: their leaves are to be announced. */
  departed: PresenceEntry[];
}

/**
 * This node's part of the rooms' presence in Redis: one hash of members and one of node deadlines
 * per room, both in the room's slot. Only this node writes its members; any node removes the members
 * of a node past its deadline when it refreshes a room they share. Every method needs a ready
 * client; callers guard and count failures.
 */
export class ClusterState {
  /** Rooms where Redis may hold members of this node: what a refresh keeps alive, a resync or a shutdown cleans. */
  private readonly written = new Set<string>();
  /** This node's connections and their rooms, as written: a closed connection leaves them all. */
  private readonly roomsByConnection = new Map<string, Set<string>>();
  /** This node's member count per room, as written: the last one to leave takes the node's deadline along. */
  private readonly membersHere = new Map<string, number>();
  /** Rooms with a JOIN on its way: a refresh may overtake it (a NOSCRIPT retry), and its "lost" means nothing then. */
  private readonly joining = new Map<string, number>();

  constructor(
    private readonly client: RedisCommandClient,
    private readonly names: RedisNames,
    private readonly nodeId: string,
    /** A node's members in a room count as gone this long after its last refresh there. */
    private readonly ttlMs: number,
  ) {}

  /** The rooms this node refreshes: those where Redis may hold its members. */
  get rooms(): ReadonlySet<string> {
    return this.written;
  }

  async join(id: string, room: string, meta: PresenceMeta | undefined): Promise<void> {
    this.written.add(room);
    let rooms = this.roomsByConnection.get(id);
    if (!rooms) this.roomsByConnection.set(id, (rooms = new Set()));
    if (!rooms.has(room)) {
      rooms.add(room);
      this.membersHere.set(room, (this.membersHere.get(room) ?? 0) + 1);
    }
    this.joining.set(room, (this.joining.get(room) ?? 0) + 1);
    try {
      await JOIN_ROOM.run(this.client, this.keys(room), [id, this.nodeId, meta ? JSON.stringify(meta) : '', this.ttlMs]);
    } finally {
      const left = (this.joining.get(room) ?? 1) - 1;
      if (left === 0) this.joining.delete(room);
      else this.joining.set(room, left);
    }
  }

  async leave(id: string, room: string): Promise<void> {
    const rooms = this.roomsByConnection.get(id);
    if (!rooms?.delete(room)) return;
    if (rooms.size === 0) this.roomsByConnection.delete(id);
    const left = (this.membersHere.get(room) ?? 1) - 1;
    if (left === 0) this.membersHere.delete(room);
    else this.membersHere.set(room, left);
    // The node's last member here takes its deadline along: nothing of this node is left to refresh.
    await LEAVE_ROOM.run(this.client, this.keys(room), [id, this.nodeId, left === 0 ? '1' : '0']);
    if (left === 0) this.written.delete(room);
  }

  /** A closed connection leaves every room it had here. */
  async leaveAll(id: string): Promise<void> {
    await Promise.all([...(this.roomsByConnection.get(id) ?? [])].map((room) => this.leave(id, room)));
  }

  async members(room: string): Promise<string[]> {
    const flat = (await READ_PRESENCE.run(this.client, this.keys(room), [])) as string[];
    const ids: string[] = [];
    for (let i = 0; i < flat.length; i += 2) ids.push(flat[i]);
    return ids;
  }

  async presence(room: string): Promise<PresenceMember[]> {
    const flat = (await READ_PRESENCE.run(this.client, this.keys(room), [])) as string[];
    return entriesOf(room, flat).map(({ id, meta }) => ({ id, meta }));
  }

  /**
   * Pushes this node's deadline in each of its rooms, removing the members of dead nodes met there:
   * one script per partition (its rooms share a slot), so a heartbeat costs at most `partitions`
   * calls whatever the rooms; the work inside stays one hash write and read per room.
   */
  async refresh(): Promise<RefreshResult> {
    const byPartition = new Map<string, string[]>();
    for (const room of this.written) {
      const tag = this.names.partitionTag(roomGroup(room));
      const rooms = byPartition.get(tag);
      if (rooms) rooms.push(room);
      else byPartition.set(tag, [room]);
    }
    let isLost = false;
    const departed: PresenceEntry[] = [];
    const joining = new Set(this.joining.keys());
    await Promise.all(
      [...byPartition.values()].map(async (rooms) => {
        const flat = (await REFRESH_ROOMS.run(this.client, rooms.flatMap((room) => this.keys(room)), [this.nodeId, this.ttlMs])) as (string | number)[];
        let at = 0;
        for (const room of rooms) {
          if (Number(flat[at]) === 1 && !joining.has(room)) isLost = true;
          const removed = Number(flat[at + 1]);
          departed.push(...entriesOf(room, flat.slice(at + 2, at + 2 + 2 * removed) as string[]));
          at += 2 + 2 * removed;
        }
      }),
    );
    return { isLost, departed };
  }

  /**
   * Replaces whatever Redis holds for this node with `rooms` (a room it no longer has is emptied of
   * its members), room by room. Resolves with the presence entries Redis had that are gone now, and
   * the ones it lacked (all of them after Redis restarted empty): what presence() changed by.
   */
  async replaceNode(rooms: readonly RoomSnapshot[]): Promise<PresenceDiff> {
    this.roomsByConnection.clear();
    this.membersHere.clear();
    for (const { room, members } of rooms) {
      this.membersHere.set(room, members.size);
      for (const id of members.keys()) {
        let joined = this.roomsByConnection.get(id);
        if (!joined) this.roomsByConnection.set(id, (joined = new Set()));
        joined.add(room);
      }
    }
    const current = new Set(rooms.map(({ room }) => room));
    const stale = [...this.written].filter((room) => !current.has(room));
    const departed: PresenceEntry[] = [];
    const arrived: PresenceEntry[] = [];
    await Promise.all([
      ...stale.map(async (room) => {
        departed.push(...(await this.replaceRoom(room, new Map())));
        this.written.delete(room);
      }),
      ...rooms.map(async ({ room, members }) => {
        this.written.add(room);
        const before = await this.replaceRoom(room, members);
        const had = new Set(before.map(({ id }) => id));
        for (const entry of before) if (!members.has(entry.id)) departed.push(entry);
        for (const [id, meta] of members) if (meta && !had.has(id)) arrived.push({ room, id, meta });
      }),
    ]);
    return { departed, arrived };
  }

  /** Removes every member this node has in Redis (graceful shutdown). */
  async removeNode(): Promise<void> {
    await this.replaceNode([]);
  }

  /** The members this node had in the room (with presence only), after replacing them with `members`. */
  private async replaceRoom(room: string, members: ReadonlyMap<string, PresenceMeta | undefined>): Promise<PresenceEntry[]> {
    const args: (string | number)[] = [this.nodeId, this.ttlMs];
    for (const [id, meta] of members) args.push(id, meta ? JSON.stringify(meta) : '');
    return entriesOf(room, (await REPLACE_NODE_IN_ROOM.run(this.client, this.keys(room), args)) as string[]);
  }

  private keys(room: string): [string, string] {
    const { presence, nodes } = this.names.roomPresence(room);
    return [presence, nodes];
  }
}

/** The entries with presence metadata of [id, meta, …] ('' means joined without presence). */
function entriesOf(room: string, flat: readonly string[]): PresenceEntry[] {
  const entries: PresenceEntry[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    if (flat[i + 1] !== '') entries.push({ room, id: String(flat[i]), meta: JSON.parse(String(flat[i + 1])) as PresenceMeta });
  }
  return entries;
}
