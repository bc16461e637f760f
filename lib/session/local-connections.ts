import { Injectable } from '@nestjs/common';
import { WsConnection } from './ws-connection';

/** The open connections of this node, by id: what an adapter delivers frames to. */
@Injectable()
export class LocalConnections {
  private readonly byId = new Map<string, WsConnection>();

  get size(): number {
    return this.byId.size;
  }

  get(id: string): WsConnection | undefined {
    return this.byId.get(id);
  }

  add(connection: WsConnection): void {
    this.byId.set(connection.id, connection);
  }

  delete(connection: WsConnection): void {
    this.byId.delete(connection.id);
  }

  values(): IterableIterator<WsConnection> {
    return this.byId.values();
  }
}
