import { JsonEventCodec } from '../../codec/json-event.codec';
import { HistoryBackend, HistoryBackendContext } from '../../history/history-backend.interface';
import { MemoryHistory } from '../../history/memory-history';
import { LocalConnections } from '../../session/local-connections';
import { MultiMap } from '../../rooms/multi-map';
import { AdapterStats, NodeInfo, PresenceEncoder, PresenceMember, PresenceMeta, RoomsAdapter } from '../../rooms/rooms-adapter.interface';
import { presenceEncoder } from '../../rooms/rooms.service';
import { runEach } from '../../rooms/run-each';
import { ReadyState } from '../../transport/connection';

const NOBODY: ReadonlySet<string> = new Set();

/** The embedded default: rooms in this process's memory, for a single node. */
export class MemoryAdapter implements RoomsAdapter {
  private readonly membersByRoom = new MultiMap<string, string>();
  private readonly roomsByConnection = new MultiMap<string, string>();
  private readonly presenceByRoom = new Map<string, Map<string, PresenceMeta>>();
  private readonly membersByTag = new MultiMap<string, string>();
  private readonly tagsByConnection = new MultiMap<string, string>();
  private encodePresence: PresenceEncoder = presenceEncoder(new JsonEventCodec());

  private local = new LocalConnections();

  attach(local: LocalConnections): void {
    this.local = local;
  }

  usePresenceEncoder(encode: PresenceEncoder): void {
    this.encodePresence = encode;
  }

  async addConnection(): Promise<void> {
    // LocalConnections is the whole registry of a single node.
  }

  async removeConnection(connectionId: string): Promise<void> {
    for (const tag of this.tagsByConnection.deleteKey(connectionId)) this.membersByTag.delete(tag, connectionId);
  }

  /** Nothing joins for a connection this node does not have open (closed, or never was): no ghost member. */
  async join(connectionId: string, room: string, presence?: PresenceMeta): Promise<void> {
    if (!this.local.get(connectionId)) return;
    if (!presence) return this.enter(room, connectionId);
    // Encoded first: metadata the codec refuses fails the join before anything changed.
    const announcement = this.encodePresence({ room, action: 'join', id: connectionId, meta: presence });
    this.enter(room, connectionId);
    const present = this.presenceByRoom.get(room) ?? new Map<string, PresenceMeta>();
    this.presenceByRoom.set(room, present.set(connectionId, presence));
    this.deliver(this.membersByRoom, [room], announcement, NOBODY);
  }

  async leave(connectionId: string, room: string): Promise<void> {
    this.membersByRoom.delete(room, connectionId);
    this.roomsByConnection.delete(connectionId, room);
    this.announceLeave(connectionId, room);
  }

  async leaveAll(connectionId: string): Promise<void> {
    runEach(
      this.roomsByConnection.deleteKey(connectionId),
      (room) => {
        this.membersByRoom.delete(room, connectionId);
        this.announceLeave(connectionId, room);
      },
      `presence leaves of ${connectionId}`,
    );
  }

  async members(room: string): Promise<string[]> {
    return [...this.membersByRoom.get(room)];
  }

  async presence(room: string): Promise<PresenceMember[]> {
    return [...(this.presenceByRoom.get(room) ?? [])].map(([id, meta]) => ({ id, meta }));
  }

  async roomsOf(connectionId: string): Promise<string[]> {
    return [...this.roomsByConnection.get(connectionId)];
  }

  async rooms(): Promise<string[]> {
    return [...this.membersByRoom.keys()];
  }

  async broadcast(rooms: readonly string[], frame: Buffer, except: ReadonlySet<string>): Promise<void> {
    this.deliver(this.membersByRoom, rooms, frame, except);
  }

  async sendTo(connectionId: string, frame: Buffer): Promise<boolean> {
    const connection = this.local.get(connectionId);
    if (!connection || connection.readyState !== ReadyState.Open) return false;
    connection.sendFrame(frame);
    return true;
  }

  async tag(connectionId: string, tag: string): Promise<void> {
    if (!this.local.get(connectionId)) return;
    this.membersByTag.add(tag, connectionId);
    this.tagsByConnection.add(connectionId, tag);
  }

  async untag(connectionId: string, tag: string): Promise<void> {
    this.membersByTag.delete(tag, connectionId);
    this.tagsByConnection.delete(connectionId, tag);
  }

  async sendToTag(tag: string, frame: Buffer, except: ReadonlySet<string>): Promise<void> {
    this.deliver(this.membersByTag, [tag], frame, except);
  }

  async nodes(): Promise<NodeInfo[]> {
    return [{ id: 'local', connections: this.local.size, isSelf: true }];
  }

  stats(): AdapterStats {
    return { isConnected: true, undelivered: 0, outages: 0 };
  }

  /** @internal What this adapter holds, for leak checks: all zero once every connection has closed. */
  footprint(): { rooms: number; connectionsInRooms: number; presenceRooms: number; tags: number; taggedConnections: number } {
    return {
      rooms: this.membersByRoom.keyCount,
      connectionsInRooms: this.roomsByConnection.keyCount,
      presenceRooms: this.presenceByRoom.size,
      tags: this.membersByTag.keyCount,
      taggedConnections: this.tagsByConnection.keyCount,
    };
  }

  history(context: HistoryBackendContext): HistoryBackend {
    return new MemoryHistory(context, (room) => this.membersByRoom.get(room));
  }

  private enter(room: string, connectionId: string): void {
    this.membersByRoom.add(room, connectionId);
    this.roomsByConnection.add(connectionId, room);
  }

  private announceLeave(connectionId: string, room: string): void {
    const present = this.presenceByRoom.get(room);
    const meta = present?.get(connectionId);
    if (!present || !meta) return;
    present.delete(connectionId);
    if (present.size === 0) this.presenceByRoom.delete(room);
    // Encoded after the entry is gone: a failure leaves no presence behind.
    this.deliver(this.membersByRoom, [room], this.encodePresence({ room, action: 'leave', id: connectionId, meta }), NOBODY);
  }

  private deliver(groups: MultiMap<string, string>, names: readonly string[], frame: Buffer, except: ReadonlySet<string>): void {
    if (names.length === 1) {
      // The common case: one room, members are distinct, no bookkeeping needed.
      for (const id of groups.get(names[0])) {
        if (!except.has(id)) this.local.get(id)?.sendFrame(frame);
      }
      return;
    }
    const delivered = new Set<string>(except);
    for (const name of names) {
      for (const id of groups.get(name)) {
        if (delivered.has(id)) continue;
        delivered.add(id);
        this.local.get(id)?.sendFrame(frame);
      }
    }
  }
}
