import { Inject, Injectable } from '@nestjs/common';
import { EventCodec } from '../codec/event-codec.interface';
import { LocalConnections } from './local-connections';
import { MultiMap } from './multi-map';
import { RoomsAdapter } from './rooms-adapter.interface';
import { encodeEnvelope, WsConnection } from './ws-connection';

/**
 * Every open connection of this node, by id, by gateway and by your own tags (e.g. a user id),
 * injectable anywhere.
 *
 * @example
 * registry.tag(client, `user:${user.id}`);
 * for (const c of registry.tagged(`user:${id}`)) c.send('notification', n);
 */
@Injectable()
export class ConnectionRegistry {
  private readonly byGateway = new MultiMap<string, WsConnection>();
  private readonly byTag = new MultiMap<string, WsConnection>();
  private readonly tagsOf = new MultiMap<string, string>();

  constructor(
    private readonly local: LocalConnections,
    @Inject(RoomsAdapter) private readonly adapter: RoomsAdapter,
    @Inject(EventCodec) private readonly codec: EventCodec,
  ) {}

  /** Open connections on this node. */
  get count(): number {
    return this.local.size;
  }

  get(id: string): WsConnection | undefined {
    return this.local.get(id);
  }

  all(): WsConnection[] {
    return [...this.local.values()];
  }

  /** Connections accepted by one gateway class, by its name. */
  ofGateway(gateway: string): WsConnection[] {
    return [...this.byGateway.get(gateway)];
  }

  /** Counts by gateway, e.g. for a stats endpoint. */
  countsByGateway(): Record<string, number> {
    return Object.fromEntries([...this.byGateway.entries()].map(([gateway, set]) => [gateway, set.size]));
  }

  tag(connection: WsConnection, tag: string): void {
    this.byTag.add(tag, connection);
    this.tagsOf.add(connection.id, tag);
  }

  untag(connection: WsConnection, tag: string): void {
    this.byTag.delete(tag, connection);
    this.tagsOf.delete(connection.id, tag);
  }

  tagged(tag: string): WsConnection[] {
    return [...this.byTag.get(tag)];
  }

  /** Pushes an event to one connection, on whichever node holds it; false when none does. */
  send(connectionId: string, event: string, data?: unknown): Promise<boolean> {
    return this.adapter.sendTo(connectionId, encodeEnvelope(this.codec, { event, data }));
  }

  /** @internal Called by the gateway runtime when a connection opens. */
  add(connection: WsConnection): void {
    this.local.add(connection);
    this.byGateway.add(connection.gateway, connection);
  }

  /** @internal Called by the gateway runtime when a connection closes. */
  remove(connection: WsConnection): void {
    this.local.delete(connection);
    this.byGateway.delete(connection.gateway, connection);
    for (const tag of this.tagsOf.deleteKey(connection.id)) this.byTag.delete(tag, connection);
  }
}
