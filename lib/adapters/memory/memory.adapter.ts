import { LocalConnections } from '../../rooms/local-connections';
import { MultiMap } from '../../rooms/multi-map';
import { RoomsAdapter } from '../../rooms/rooms-adapter.interface';
import { ReadyState } from '../../transport/connection';

/** The embedded default: rooms in this process's memory, for a single node. */
export class MemoryAdapter implements RoomsAdapter {
  private readonly membersByRoom = new MultiMap<string, string>();
  private readonly roomsByConnection = new MultiMap<string, string>();

  private local = new LocalConnections();

  attach(local: LocalConnections): void {
    this.local = local;
  }

  async join(connectionId: string, room: string): Promise<void> {
    this.membersByRoom.add(room, connectionId);
    this.roomsByConnection.add(connectionId, room);
  }

  async leave(connectionId: string, room: string): Promise<void> {
    this.membersByRoom.delete(room, connectionId);
    this.roomsByConnection.delete(connectionId, room);
  }

  async leaveAll(connectionId: string): Promise<void> {
    for (const room of this.roomsByConnection.deleteKey(connectionId)) this.membersByRoom.delete(room, connectionId);
  }

  async members(room: string): Promise<string[]> {
    return [...(this.membersByRoom.get(room))];
  }

  async roomsOf(connectionId: string): Promise<string[]> {
    return [...(this.roomsByConnection.get(connectionId))];
  }

  async rooms(): Promise<string[]> {
    return [...this.membersByRoom.keys()];
  }

  async broadcast(rooms: readonly string[], frame: Buffer, except: ReadonlySet<string>): Promise<void> {
    if (rooms.length === 1) {
      // The common case: one room, members are distinct, no bookkeeping needed.
      for (const id of this.membersByRoom.get(rooms[0])) {
        if (!except.has(id)) this.local.get(id)?.sendFrame(frame);
      }
      return;
    }
    const delivered = new Set<string>(except);
    for (const room of rooms) {
      for (const id of this.membersByRoom.get(room)) {
        if (delivered.has(id)) continue;
        delivered.add(id);
        this.local.get(id)?.sendFrame(frame);
      }
    }
  }

  async sendTo(connectionId: string, frame: Buffer): Promise<boolean> {
    const connection = this.local.get(connectionId);
    if (!connection || connection.readyState !== ReadyState.Open) return false;
    connection.sendFrame(frame);
    return true;
  }
}
