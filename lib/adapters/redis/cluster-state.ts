import { RedisCommandClient } from './redis-clients';
import { PresenceMember, PresenceMeta } from '../../rooms/presence-store.interface';
import { RedisNames, roomGroup } from './redis-channels';
import { JOIN_ROOM, LEAVE_ROOM, READ_PRESENCE, REFRESH_ROOMS, REPLACE_NODE_IN_ROOMS } from './redis-scripts';

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
    let isLost = false;
    const departed: PresenceEntry[] = [];
    const joining = new Set(this.joining.keys());
    await Promise.all(
      this.byPartition(this.written, (room) => room).map(async (rooms) => {
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
   * its members), one script per partition as refresh() does, so a node that lost its deadlines
   * (Redis restarted, a heartbeat late past the TTL) rewrites 10 000 rooms in at most `partitions`
   * calls. Resolves with the presence entries Redis had that are gone now, and the ones it lacked (all
   * of them after Redis restarted empty): what presence() changed by.
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
    const NONE: ReadonlyMap<string, PresenceMeta | undefined> = new Map();
    const wanted: RoomSnapshot[] = [...rooms];
    for (const room of this.written) if (!current.has(room)) wanted.push({ room, members: NONE });
    for (const room of current) this.written.add(room);
    const departed: PresenceEntry[] = [];
    const arrived: PresenceEntry[] = [];
    await Promise.all(
      this.byPartition(wanted, ({ room }) => room).map(async (group) => {
        const args: (string | number)[] = [this.nodeId, this.ttlMs];
        for (const { members } of group) {
          args.push(members.size);
          for (const [id, meta] of members) args.push(id, meta ? JSON.stringify(meta) : '');
        }
        const flat = (await REPLACE_NODE_IN_ROOMS.run(this.client, group.flatMap(({ room }) => this.keys(room)), args)) as string[];
        let at = 0;
        for (const { room, members } of group) {
          const count = Number(flat[at]);
          const before = entriesOf(room, flat.slice(at + 1, at + 1 + 2 * count));
          at += 1 + 2 * count;
          if (!current.has(room)) this.written.delete(room);
          const had = new Set(before.map(({ id }) => id));
          for (const entry of before) if (!members.has(entry.id)) departed.push(entry);
          for (const [id, meta] of members) if (meta && !had.has(id)) arrived.push({ room, id, meta });
        }
      }),
    );
    return { departed, arrived };
  }

  /** Removes every member this node has in Redis (graceful shutdown). */
  async removeNode(): Promise<void> {
    await this.replaceNode([]);
  }

  /** `items` grouped by their room's partition: the rooms of one group share a slot, so one script may touch them all. */
  private byPartition<T>(items: Iterable<T>, roomOf: (item: T) => string): T[][] {
    const groups = new Map<string, T[]>();
    for (const item of items) {
      const tag = this.names.partitionTag(roomGroup(roomOf(item)));
      const group = groups.get(tag);
      if (group) group.push(item);
      else groups.set(tag, [item]);
    }
    return [...groups.values()];
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
