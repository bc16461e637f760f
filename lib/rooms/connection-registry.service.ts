import { Inject, Injectable, Logger } from '@nestjs/common';
import { EventCodec } from '../codec/event-codec.interface';
import { requireConnection, requireName } from './argument-checks';
import { LocalConnections } from '../session/local-connections';
import { MultiMap } from './multi-map';
import { AdapterStats, NodeInfo, RoomsAdapter } from './rooms-adapter.interface';
import { encodeEnvelope } from '../session/outbound-frames';
import { WsConnection } from '../session/ws-connection';

/**
 * Every open connection of this node, by id, by gateway and by your own tags (e.g. a user id),
 * injectable anywhere; `send`, `sendToTag`, `nodes` and `countAll` reach every node.
 *
 * @example
 * await registry.tag(client, `user:${user.id}`);
 * for (const c of registry.tagged(`user:${id}`)) c.send('notification', n); // this node
 * await registry.sendToTag(`user:${id}`, 'notification', n);              // every node
 */
@Injectable()
export class ConnectionRegistry {
  private readonly logger = new Logger('ConnectionRegistry');
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

  /** Open connections on every node. */
  async countAll(): Promise<number> {
    return (await this.adapter.nodes()).reduce((total, node) => total + node.connections, 0);
  }

  /** The live nodes and their connection counts (one node with the MemoryAdapter). */
  nodes(): Promise<NodeInfo[]> {
    return this.adapter.nodes();
  }

  /** How the adapter reaches the other nodes: link state and what could not be delivered. */
  adapterStats(): AdapterStats {
    return this.adapter.stats();
  }

  get(id: string): WsConnection | undefined {
    requireName('registry.get()', 'id', id);
    return this.local.get(id);
  }

  all(): WsConnection[] {
    return [...this.local.values()];
  }

  /** Connections accepted by one gateway class, by its name. */
  ofGateway(gateway: string): WsConnection[] {
    requireName('registry.ofGateway()', 'gateway', gateway);
    return [...this.byGateway.get(gateway)];
  }

  /** Counts by gateway, e.g. for a stats endpoint. */
  countsByGateway(): Record<string, number> {
    return Object.fromEntries([...this.byGateway.entries()].map(([gateway, set]) => [gateway, set.size]));
  }

  /**
   * `tagged()` sees the tag at once; the returned promise settles when other nodes can reach it too.
   * A connection that has closed is not tagged (and not kept): this resolves without effect.
   */
  tag(connection: WsConnection, tag: string): Promise<void> {
    requireConnection('registry.tag()', connection);
    requireName('registry.tag()', 'tag', tag);
    if (this.local.get(connection.id) !== connection) return Promise.resolve();
    this.byTag.add(tag, connection);
    this.tagsOf.add(connection.id, tag);
    return this.adapter.tag(connection.id, tag);
  }

  untag(connection: WsConnection, tag: string): Promise<void> {
    requireConnection('registry.untag()', connection);
    requireName('registry.untag()', 'tag', tag);
    this.byTag.delete(tag, connection);
    this.tagsOf.delete(connection.id, tag);
    return this.adapter.untag(connection.id, tag);
  }

  tagged(tag: string): WsConnection[] {
    requireName('registry.tagged()', 'tag', tag);
    return [...this.byTag.get(tag)];
  }

  /** Pushes an event to one connection, on whichever node holds it; false when none does. */
  send(connectionId: string, event: string, data?: unknown): Promise<boolean> {
    requireName('registry.send()', 'connectionId', connectionId);
    requireName('registry.send()', 'event', event);
    return this.adapter.sendTo(connectionId, encodeEnvelope(this.codec, { event, data }));
  }

  /** Pushes an event, encoded once, to every connection carrying the tag, on every node. */
  sendToTag(tag: string, event: string, data?: unknown): Promise<void> {
    requireName('registry.sendToTag()', 'tag', tag);
    requireName('registry.sendToTag()', 'event', event);
    return this.adapter.sendToTag(tag, encodeEnvelope(this.codec, { event, data }), NOBODY);
  }

  /** @internal What this registry holds, for leak checks: all zero once every connection has closed. */
  footprint(): { connections: number; gateways: number; tags: number; taggedConnections: number } {
    return { connections: this.local.size, gateways: this.byGateway.keyCount, tags: this.byTag.keyCount, taggedConnections: this.tagsOf.keyCount };
  }

  /** @internal Called by the gateway runtime when a connection opens. */
  add(connection: WsConnection): void {
    this.local.add(connection);
    this.byGateway.add(connection.gateway, connection);
    this.mirror('addConnection', this.adapter.addConnection(connection.id));
  }

  /** @internal Called by the gateway runtime when a connection closes. */
  remove(connection: WsConnection): void {
    this.local.delete(connection);
    this.byGateway.delete(connection.gateway, connection);
    for (const tag of this.tagsOf.deleteKey(connection.id)) this.byTag.delete(tag, connection);
    this.mirror('removeConnection', this.adapter.removeConnection(connection.id));
  }

  /** The runtime's calls are synchronous; a failure of the adapter behind them is logged, never unhandled. */
  private mirror(operation: string, pending: Promise<void>): void {
    pending.catch((error: unknown) => this.logger.error(`adapter ${operation} failed`, error instanceof Error ? error.stack : String(error)));
  }
}

const NOBODY: ReadonlySet<string> = new Set();
