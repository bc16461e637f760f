import { AdapterStats, LocalNode, NodeInfo } from '../../rooms/broker.interface';
import { LocalRooms } from '../../rooms/local-rooms';
import { PresenceMember } from '../../rooms/presence-store.interface';
import { RoomsAdapter } from '../../rooms/rooms-adapter.interface';
import { LocalConnections } from '../../session/local-connections';

/**
 * The embedded default, for a single node: no other node to publish to or reach, and the
 * node's own rooms (`LocalRooms`) are the whole membership, so the store only reads them.
 */
export class MemoryAdapter implements RoomsAdapter {
  private local = new LocalRooms(new LocalConnections());

  async start(node: LocalNode): Promise<void> {
    this.local = node.local;
  }

  async close(): Promise<void> {}
  async subscribe(): Promise<void> {}
  async unsubscribe(): Promise<void> {}
  publish(): void {}
  /** Nothing to store (LocalRooms has it): synchronous, so an opening connection makes no promise. */
  addConnection(): void {}
  async removeConnection(): Promise<void> {}
  async join(): Promise<void> {}
  async leave(): Promise<void> {}

  /** No other node holds a connection this one does not. */
  async reach(): Promise<boolean> {
    return false;
  }

  async nodes(): Promise<NodeInfo[]> {
    return [{ id: 'local', connections: this.local.connectionCount, isSelf: true }];
  }

  stats(): AdapterStats {
    return { isConnected: true, undelivered: 0, outages: 0 };
  }

  async members(room: string): Promise<string[]> {
    return [...this.local.rooms.members(room)];
  }

  async presence(room: string): Promise<PresenceMember[]> {
    return [...this.local.rooms.presence(room)].map(([id, meta]) => ({ id, meta }));
  }

  /** Another node's connection: there is none. */
  async roomsOf(): Promise<string[]> {
    return [];
  }

  async rooms(): Promise<string[]> {
    return [...this.local.rooms.groups()];
  }
}
