import { Inject, Injectable, Logger } from '@nestjs/common';
import { EventCodec } from '../codec/event-codec.interface';
import { ConnectionRef, idOf, requireConnection, requireName } from './argument-checks';
import { ALL_GATEWAYS } from './presence-store.interface';
import { LocalConnections } from '../session/local-connections';
import { MultiMap } from './multi-map';
import { AdapterStats, NodeInfo, RoomsAdapter } from './rooms-adapter.interface';
import { RoomsNode } from './rooms-node';
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

  constructor(
    private readonly local: LocalConnections,
    @Inject(RoomsAdapter) private readonly adapter: RoomsAdapter,
    private readonly node: RoomsNode,
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
    return this.node.tag(connection.id, tag);
  }

  untag(connection: WsConnection, tag: string): Promise<void> {
    requireConnection('registry.untag()', connection);
    requireName('registry.untag()', 'tag', tag);
    return this.node.untag(connection.id, tag);
  }

  tagged(tag: string): WsConnection[] {
    requireName('registry.tagged()', 'tag', tag);
    const tagged: WsConnection[] = [];
    for (const id of this.node.local.tags.members(tag)) {
      const connection = this.local.get(id);
      if (connection) tagged.push(connection);
    }
    return tagged;
  }

  /** Pushes an event to one connection, on whichever node holds it; false when none does. */
  send(connectionId: string, event: string, data?: unknown): Promise<boolean> {
    requireName('registry.send()', 'connectionId', connectionId);
    requireName('registry.send()', 'event', event);
    return this.node.sendTo(connectionId, encodeEnvelope(this.codec, { event, data }));
  }

  /** Pushes an event, encoded once, to every connection carrying the tag, on every node. */
  sendToTag(tag: string, event: string, data?: unknown): Promise<void> {
    requireName('registry.sendToTag()', 'tag', tag);
    requireName('registry.sendToTag()', 'event', event);
    return this.node.sendToTag(tag, encodeEnvelope(this.codec, { event, data }), NOBODY);
  }

  /**
   * Pushes an event, encoded once, to every connection the gateway accepted, on every node, but the
   * connections in `except`: socket.io's `server.emit()` (and `client.broadcast.emit()`) in a
   * gateway, whose namespace is our gateway's path. The gateway is named by its class.
   *
   * @example
   * await registry.sendToGateway(ChatGateway.name, 'announcement', { text: 'maintenance at 22:00' });
   */
  sendToGateway(gateway: string, event: string, data?: unknown, except?: ConnectionRef | readonly ConnectionRef[]): Promise<void> {
    requireName('registry.sendToGateway()', 'gateway', gateway);
    return this.sendToGroup('registry.sendToGateway()', gateway, event, data, except);
  }

  /** Pushes an event, encoded once, to every connection of every gateway, on every node, but the connections in `except`. */
  sendToAll(event: string, data?: unknown, except?: ConnectionRef | readonly ConnectionRef[]): Promise<void> {
    return this.sendToGroup('registry.sendToAll()', ALL_GATEWAYS, event, data, except);
  }

  private sendToGroup(api: string, gateway: string, event: string, data: unknown, except: ConnectionRef | readonly ConnectionRef[] | undefined): Promise<void> {
    requireName(api, 'event', event);
    const skipped = except === undefined ? NOBODY : new Set((Array.isArray(except) ? except : [except]).map((ref: unknown) => idOf(api, ref)));
    return this.node.sendToGateway(gateway, encodeEnvelope(this.codec, { event, data }), skipped);
  }

  /** @internal What this registry holds, for leak checks: all zero once every connection has closed. */
  footprint(): { connections: number; gateways: number; tags: number; taggedConnections: number } {
    const tags = this.node.local.tags.footprint();
    return { connections: this.local.size, gateways: this.byGateway.keyCount, tags: tags.groups, taggedConnections: tags.connectionsInGroups };
  }

  /** @internal Called by the gateway runtime when a connection opens. */
  /** A promise while this node starts to hear what other nodes send to the connection's gateway: the runtime waits for it before reading. */
  add(connection: WsConnection): Promise<void> | undefined {
    this.local.add(connection);
    this.byGateway.add(connection.gateway, connection);
    const stored = this.node.opened(connection.id);
    if (stored) this.mirror('addConnection', stored);
    const listening = this.node.enterGateway(connection.id, connection.gateway);
    return listening && this.mirror('subscribe', listening);
  }

  /** @internal Called by the gateway runtime when a connection closes. */
  remove(connection: WsConnection): void {
    this.mirror('removeConnection', this.node.closed(connection.id)); // while it is still this node's
    this.local.delete(connection);
    this.byGateway.delete(connection.gateway, connection);
  }

  /** The runtime's calls are synchronous; a failure of the adapter behind them is logged, never unhandled. */
  private mirror(operation: string, pending: Promise<void>): Promise<void> {
    return pending.catch((error: unknown) => this.logger.error(`adapter ${operation} failed`, error instanceof Error ? error.stack : String(error)));
  }
}

const NOBODY: ReadonlySet<string> = new Set();
