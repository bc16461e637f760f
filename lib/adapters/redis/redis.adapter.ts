import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { JsonEventCodec } from '../../codec/json-event.codec';
import { HistoryBackend, HistoryBackendContext } from '../../history/history-backend.interface';
import { LocalConnections } from '../../session/local-connections';
import { AdapterStats, NodeInfo, PresenceChange, PresenceMember, PresenceMeta, RoomsAdapter } from '../../rooms/rooms-adapter.interface';
import { presenceEncoder } from '../../rooms/rooms.service';
import { runEach } from '../../rooms/run-each';
import { ReadyState } from '../../transport/connection';
import { ClusterBus } from './cluster-bus';
import { ClusterState, ConnectionSnapshot, PresenceEntry } from './cluster-state';
import { LocalGroups } from './local-groups';
import { MembershipAcks } from './membership-acks';
import { NodeLiveness } from './node-liveness';
import { RecentIds } from './recent-ids';
import { RedisAdapterOptions, ResolvedRedisAdapterOptions, withRedisDefaults } from './redis-adapter-options.interface';
import { groupName, isRoomGroup, RedisNames, roomGroup, tagGroup } from './redis-channels';
import { closeRedisClients, openRedisClients, RedisClients } from './redis-clients';
import { isRetainedMessage, RedisHistory } from './redis-history';
import { isLinkError, RedisLink } from './redis-link';
import { ClusterMessage, decodeClusterMessage, encodeClusterMessage } from './redis-message';
import { RemoteMembershipError } from './remote-membership.error';

/** What exists once the adapter is attached. */
interface Cluster {
  clients: RedisClients;
  link: RedisLink;
  bus: ClusterBus;
  state: ClusterState;
  liveness: NodeLiveness;
}

type MembershipMessage = Extract<ClusterMessage, { kind: 'membership' }>;
type MembershipChange = Pick<MembershipMessage, 'action' | 'room' | 'meta'>;

const NOBODY: ReadonlySet<string> = new Set();
// A dead node's connections are purged this many per script call, so a reap never blocks Redis for long.
const REAP_BATCH = 500;
// Per reap tick; what is left waits for the next tick (a quarter period later).
const MAX_REAP_ROUNDS = 20;
const DEAD_NODES_PER_TICK = 16;
const RECENT_IDS = 4096;
const CLOSE_TIMEOUT_MS = 2000;

// Presence metadata lives in Redis as JSON: a copy taken at the join is what every node sees, even if the caller's object changes later.
const jsonCopy = (meta: PresenceMeta): PresenceMeta => JSON.parse(JSON.stringify(meta)) as PresenceMeta;

/**
 * Rooms, tags, direct sends and presence across nodes, through Redis (ioredis, an optional peer
 * dependency). Each node delivers to its own connections, encoding each frame once; room and tag
 * traffic travels on one channel per group, which only the nodes holding a member subscribe to.
 * Membership lives in Redis under node heartbeats: a node that dies is purged by the others.
 * While Redis is away, each node keeps serving its own connections and counts what it could not
 * hand to the others.
 *
 * @example
 * WebSocketModule.forRoot({ adapter: new RedisAdapter({ url: process.env.REDIS_URL, keyPrefix: 'chat:' }) })
 */
export class RedisAdapter implements RoomsAdapter {
  /** This node's id in Redis. */
  readonly nodeId: string;
  private readonly options: ResolvedRedisAdapterOptions;
  private readonly names: RedisNames;
  private readonly logger = new Logger('RedisAdapter');
  private readonly groups = new LocalGroups();
  /** Connections opened on this node; the `closing` ones left the registry and wait for leaveAll(). */
  private readonly owned = new Set<string>();
  private readonly closing = new Set<string>();
  private readonly recent = new RecentIds(RECENT_IDS);
  private readonly acks: MembershipAcks;
  private local = new LocalConnections();
  private encodePresence = presenceEncoder(new JsonEventCodec());
  private cluster: Cluster | undefined;
  /** Redis may not hold this node's state as it is: rewrite it when the link allows. */
  private needsResync = true;
  private resyncing: Promise<void> | undefined;
  private sequence = 0;
  private retained: RedisHistory | undefined;

  constructor(options: RedisAdapterOptions) {
    this.options = withRedisDefaults(options);
    this.nodeId = this.options.nodeId ?? randomUUID();
    this.names = new RedisNames(this.options.keyPrefix);
    this.acks = new MembershipAcks(this.options.remoteMembershipTimeoutMs);
  }

  async attach(local: LocalConnections): Promise<void> {
    this.local = local;
    const clients = await openRedisClients(this.options);
    const bus = new ClusterBus(clients, {
      sharded: this.options.sharded,
      maxPendingPublishes: this.options.maxPendingPublishes,
      onMessage: (bytes) => this.receive(bytes),
      onFailure: (operation, error) => this.onFailure(operation, error),
    });
    const link = new RedisLink(clients, this.logger, () => bus.undelivered, {
      onClientReady: () => this.requestResync(),
      onSubscriberReady: () => void this.resubscribe(),
    });
    const liveness = new NodeLiveness(this.options.heartbeatIntervalMs, {
      beat: () => this.beat(),
      reap: () => this.reap(),
      onError: (error) => this.onFailure('liveness', error),
    });
    this.cluster = { clients, link, bus, state: new ClusterState(clients.client, this.names, this.nodeId), liveness };
    await bus.subscribe(this.names.nodeChannel(this.nodeId));
    if (await link.waitReady(this.options.connectTimeoutMs)) {
      await this.resync();
      await this.resubscribe();
    }
    liveness.start();
  }

  async close(): Promise<void> {
    const cluster = this.cluster;
    if (!cluster) return;
    cluster.liveness.stop();
    cluster.link.close();
    this.acks.failAll('was not heard from before this node shut down');
    if (cluster.link.canCommand) {
      await cluster.state.removeNode().catch((error: unknown) => this.onFailure('removeNode', error));
    }
    cluster.bus.close();
    if (!cluster.clients.owned.includes(cluster.clients.subscriber)) await cluster.bus.unsubscribeAll();
    await closeRedisClients(cluster.clients, CLOSE_TIMEOUT_MS);
    this.cluster = undefined;
  }

  usePresenceEncoder(encode: (change: PresenceChange) => Buffer): void {
    this.encodePresence = encode;
  }

  async addConnection(connectionId: string): Promise<void> {
    this.owned.add(connectionId);
    await this.mirror('addConnection', (state) => state.addConnection(connectionId));
  }

  async removeConnection(connectionId: string): Promise<void> {
    if (this.owned.has(connectionId)) this.closing.add(connectionId);
    // Tags go now; rooms stay for the disconnect hook, and leaveAll() then forgets it in Redis.
    for (const group of this.groups.groupsOfConnection(connectionId)) {
      if (!isRoomGroup(group)) await this.exitLocally(group, connectionId);
    }
  }

  /** A connection of this node that has closed joins nothing (its cleanup may have run already). */
  async join(connectionId: string, room: string, presence?: PresenceMeta): Promise<void> {
    if (!this.owned.has(connectionId)) return this.forward(connectionId, { action: 'join', room, meta: presence });
    if (this.closing.has(connectionId)) return;
    // Checked first: metadata that JSON or the codec refuses fails the join before anything changed.
    const meta = presence && jsonCopy(presence);
    const announcement = meta && this.encodePresence({ room, action: 'join', id: connectionId, meta });
    await this.enter(roomGroup(room), connectionId, meta);
    if (announcement) this.broadcastGroups([roomGroup(room)], announcement, NOBODY);
  }

  async leave(connectionId: string, room: string): Promise<void> {
    if (!this.owned.has(connectionId)) return this.forward(connectionId, { action: 'leave', room });
    const meta = await this.exitLocally(roomGroup(room), connectionId);
    if (meta === undefined) return;
    await this.mirror('leave', (state) => state.leave(connectionId, roomGroup(room)));
    if (meta) this.announce('leave', { room, id: connectionId, meta });
  }

  async leaveAll(connectionId: string): Promise<void> {
    if (!this.owned.has(connectionId)) return this.forward(connectionId, { action: 'leaveAll' });
    const isClosed = this.closing.has(connectionId);
    const departed: PresenceEntry[] = [];
    for (const group of this.groups.groupsOfConnection(connectionId).filter(isRoomGroup)) {
      const meta = await this.exitLocally(group, connectionId);
      if (!isClosed) await this.mirror('leave', (state) => state.leave(connectionId, group));
      if (meta) departed.push({ room: groupName(group), id: connectionId, meta });
    }
    if (isClosed) {
      // Tags a late handleConnection added after removeConnection() go too.
      for (const group of this.groups.groupsOfConnection(connectionId)) await this.exitLocally(group, connectionId);
      this.owned.delete(connectionId);
      this.closing.delete(connectionId);
      await this.mirror('purgeConnection', (state) => state.purgeConnection(connectionId));
    }
    runEach(departed, (entry) => this.announce('leave', entry), `presence leaves of ${connectionId}`);
  }

  members(room: string): Promise<string[]> {
    const group = roomGroup(room);
    return this.query('members', (state) => state.members(group), () => [...this.groups.members(group)]);
  }

  presence(room: string): Promise<PresenceMember[]> {
    const group = roomGroup(room);
    return this.query(
      'presence',
      (state) => state.presence(group),
      () => [...this.groups.presence(group)].map(([id, meta]) => ({ id, meta })),
    );
  }

  async roomsOf(connectionId: string): Promise<string[]> {
    if (this.owned.has(connectionId)) return this.groups.groupsOfConnection(connectionId).filter(isRoomGroup).map(groupName);
    return this.query('roomsOf', (state) => state.roomsOf(connectionId), () => []);
  }

  rooms(): Promise<string[]> {
    return this.query('rooms', (state) => state.rooms(), () => [...this.groups.groups()].filter(isRoomGroup).map(groupName));
  }

  async broadcast(rooms: readonly string[], frame: Buffer, except: ReadonlySet<string>): Promise<void> {
    this.broadcastGroups(rooms.map(roomGroup), frame, except);
  }

  async sendTo(connectionId: string, frame: Buffer): Promise<boolean> {
    const connection = this.local.get(connectionId);
    if (connection) {
      if (connection.readyState !== ReadyState.Open) return false;
      connection.sendFrame(frame);
      return true;
    }
    const cluster = this.cluster;
    if (!cluster) return false;
    const node = await this.query<string | null | undefined>('sendTo', (state) => state.nodeOf(connectionId), () => undefined);
    if (node === undefined) {
      cluster.bus.undelivered++; // Redis is away: the connection may well be open elsewhere
      return false;
    }
    if (node === null || node === this.nodeId) return false;
    const message = encodeClusterMessage({ kind: 'direct', origin: this.nodeId, connectionId, frame });
    return (await cluster.bus.publishCounted(this.names.nodeChannel(node), message)) > 0;
  }

  async tag(connectionId: string, tag: string): Promise<void> {
    if (this.owned.has(connectionId) && !this.closing.has(connectionId)) await this.enter(tagGroup(tag), connectionId, undefined);
  }

  async untag(connectionId: string, tag: string): Promise<void> {
    if (!this.owned.has(connectionId) || (await this.exitLocally(tagGroup(tag), connectionId)) === undefined) return;
    await this.mirror('untag', (state) => state.leave(connectionId, tagGroup(tag)));
  }

  async sendToTag(tag: string, frame: Buffer, except: ReadonlySet<string>): Promise<void> {
    this.broadcastGroups([tagGroup(tag)], frame, except);
  }

  nodes(): Promise<NodeInfo[]> {
    return this.query(
      'nodes',
      async (state) => (await state.liveNodes()).map((node) => ({ ...node, isSelf: node.id === this.nodeId })),
      () => [{ id: this.nodeId, connections: this.local.size, isSelf: true }],
    );
  }

  stats(): AdapterStats {
    const cluster = this.cluster;
    if (!cluster) return { isConnected: false, undelivered: 0, outages: 0 };
    const { link, bus } = cluster;
    return { isConnected: this.isInSync(cluster), undelivered: bus.undelivered, outages: link.outages };
  }

  /** @internal What this node holds, for leak checks: all zero (and its own channel) once every connection has closed. */
  footprint(): Record<string, number> {
    return {
      ownedConnections: this.owned.size,
      closingConnections: this.closing.size,
      ...this.groups.footprint(),
      pendingAcks: this.acks.size,
      channels: this.cluster?.bus.channelCount ?? 0,
    };
  }

  /** Room histories in Redis Streams, sessions in Redis strings (see redis-history.ts). */
  history(context: HistoryBackendContext): HistoryBackend {
    this.retained = new RedisHistory(context, {
      client: () => (this.cluster?.link.canCommand ? this.cluster.clients.client : undefined),
      prefix: this.options.keyPrefix,
      sharded: this.options.sharded,
      roomChannel: (room) => this.names.groupChannel(roomGroup(room)),
      members: (room) => this.groups.members(roomGroup(room)),
    });
    return this.retained;
  }

  /** Delivers to this node's members now, and hands the same frame to the nodes listening to the groups. */
  private broadcastGroups(groups: readonly string[], frame: Buffer, except: ReadonlySet<string>): void {
    this.groups.deliver(groups, frame, except, this.local);
    this.publishGroups(groups, frame, except);
  }

  /** Hands a frame to the other nodes listening to the groups. */
  private publishGroups(groups: readonly string[], frame: Buffer, except: ReadonlySet<string>): void {
    const cluster = this.cluster;
    if (!cluster) return;
    const id = groups.length > 1 ? `${this.nodeId}:${this.sequence++}` : undefined;
    const message = encodeClusterMessage({ kind: 'broadcast', origin: this.nodeId, groups: [...groups], except: [...except], id, frame });
    cluster.bus.publish(
      groups.map((group) => this.names.groupChannel(group)),
      message,
    );
  }

  private announce(action: PresenceChange['action'], { room, id, meta }: PresenceEntry): void {
    this.broadcastGroups([roomGroup(room)], this.encodePresence({ room, action, id, meta }), NOBODY);
  }

  private announceRemotely(action: PresenceChange['action'], { room, id, meta }: PresenceEntry): void {
    this.publishGroups([roomGroup(room)], this.encodePresence({ room, action, id, meta }), NOBODY);
  }

  private receive(bytes: Buffer): void {
    let message: ClusterMessage;
    try {
      // A retained message comes from the history's script, and reaches its sender too: it is delivered here, in offset order.
      if (isRetainedMessage(bytes)) return this.retained?.receive(bytes);
      message = decodeClusterMessage(bytes);
    } catch (error) {
      this.logger.error(`dropped an unreadable cluster message (${bytes.length} B)`, error instanceof Error ? error.stack : String(error));
      return;
    }
    if (message.origin === this.nodeId) return; // delivered locally when it was sent
    switch (message.kind) {
      case 'broadcast':
        if (message.id !== undefined && this.recent.seen(message.id)) return;
        this.groups.deliver(message.groups, message.frame, message.except.length > 0 ? new Set(message.except) : NOBODY, this.local);
        return;
      case 'direct': {
        const connection = this.local.get(message.connectionId);
        if (connection?.readyState === ReadyState.Open) connection.sendFrame(message.frame);
        return;
      }
      case 'membership':
        void this.applyMembership(message);
        return;
      case 'ack':
        this.acks.settle(message.requestId, message.failure);
        return;
    }
  }

  /** Applies a change asked by another node, then tells that node (a closed connection joins nothing, and that is an answer too). */
  private async applyMembership({ origin, connectionId, action, room, meta, requestId }: MembershipMessage): Promise<void> {
    let failure: string | undefined;
    if (this.owned.has(connectionId)) {
      try {
        if (action === 'leaveAll') await this.leaveAll(connectionId);
        else if (room !== undefined && action === 'join') await this.join(connectionId, room, meta);
        else if (room !== undefined) await this.leave(connectionId, room);
      } catch (error) {
        failure = error instanceof Error ? error.message : String(error);
        this.logger.error(`${action} from another node failed`, error instanceof Error ? error.stack : String(error));
      }
    }
    if (requestId === undefined || !this.cluster) return;
    await this.cluster.bus.publishCounted(this.names.nodeChannel(origin), encodeClusterMessage({ kind: 'ack', origin: this.nodeId, requestId, failure }));
  }

  /**
   * join/leave for a connection of another node: its node applies it, and this resolves once it
   * says so (a broadcast sent next reaches the member). A connection no node holds changes nothing.
   */
  private async forward(connectionId: string, change: MembershipChange): Promise<void> {
    const cluster = this.cluster;
    const node = await this.query<string | null | undefined>('nodeOf', (state) => state.nodeOf(connectionId), () => undefined);
    // Redis away: the connection may well be open on another node, and the change cannot reach it.
    if (!cluster || node === undefined) throw new RemoteMembershipError(change.action, connectionId, undefined, 'Redis is unreachable, so the node holding it is unknown');
    if (node === null || node === this.nodeId) return;
    const requestId = `${this.nodeId}:${this.sequence++}`;
    const acknowledged = this.acks.expect(requestId, (reason) => new RemoteMembershipError(change.action, connectionId, node, reason));
    const message = encodeClusterMessage({ kind: 'membership', origin: this.nodeId, connectionId, ...change, requestId });
    const published = cluster.bus.publishCounted(this.names.nodeChannel(node), message).then((receivers) => {
      if (receivers === 0) this.acks.fail(requestId, 'is not listening');
    });
    // Awaited together: a stalled Redis can hold the PUBLISH past the timeout, which must reject the caller then, and not unhandled.
    await Promise.all([acknowledged, published]);
  }

  private async enter(group: string, connectionId: string, meta: PresenceMeta | undefined): Promise<void> {
    if (this.groups.add(group, connectionId, meta)) await this.cluster?.bus.subscribe(this.names.groupChannel(group));
    await this.mirror('join', (state) => state.join(connectionId, group, meta));
  }

  /** Undefined when it was not a member; null when it was, without presence. */
  private async exitLocally(group: string, connectionId: string): Promise<PresenceMeta | null | undefined> {
    const departure = this.groups.remove(group, connectionId);
    if (!departure) return undefined;
    if (departure.isLast) await this.cluster?.bus.unsubscribe(this.names.groupChannel(group));
    return departure.meta ?? null;
  }

  /** A write to Redis; when it cannot go, this node's whole state is rewritten once Redis is back. */
  private async mirror(operation: string, write: (state: ClusterState) => Promise<unknown>): Promise<void> {
    const cluster = this.cluster;
    if (!cluster?.link.canCommand) {
      this.needsResync = true;
      return;
    }
    try {
      await write(cluster.state);
    } catch (error) {
      this.needsResync = true;
      this.onFailure(operation, error);
    }
  }

  /** A read from Redis, or this node's own view while Redis is away. */
  private async query<T>(operation: string, read: (state: ClusterState) => Promise<T>, fallback: () => T): Promise<T> {
    const cluster = this.cluster;
    if (!cluster?.link.canCommand) return fallback();
    try {
      return await read(cluster.state);
    } catch (error) {
      this.onFailure(operation, error);
      return fallback();
    }
  }

  private onFailure(operation: string, error: unknown): void {
    if (isLinkError(error)) this.cluster?.link.markDown(error);
    else this.logger.error(`${operation} failed`, error instanceof Error ? error.stack : String(error));
  }

  private requestResync(): void {
    this.needsResync = true;
    void this.resync();
  }

  /** Rewrites this node's state in Redis, one rewrite at a time. */
  private resync(): Promise<void> {
    this.resyncing ??= this.rewriteState().finally(() => (this.resyncing = undefined));
    return this.resyncing;
  }

  private async rewriteState(): Promise<void> {
    const cluster = this.cluster;
    if (!cluster || !this.needsResync || !cluster.link.canCommand) return;
    this.needsResync = false; // a write failing from now on sets it again
    try {
      const { departed, arrived } = await cluster.state.replaceNode(this.snapshot(), cluster.liveness.ttlMs);
      this.markUpIfInSync(cluster);
      // Presence events follow presence() on the other nodes: members that closed while Redis was away leave, and
      // members Redis had lost (this node was reaped while cut off, or Redis restarted empty) join again. This node's
      // own members saw neither change (its presence() answered from memory meanwhile), so only the others hear it.
      runEach(departed, (entry) => this.announceRemotely('leave', entry), 'presence leaves after a resync');
      runEach(arrived, (entry) => this.announceRemotely('join', entry), 'presence joins after a resync');
    } catch (error) {
      this.needsResync = true;
      this.onFailure('resync', error);
    }
  }

  private async resubscribe(): Promise<void> {
    const cluster = this.cluster;
    if (!cluster) return;
    await cluster.bus.resubscribe();
    this.markUpIfInSync(cluster);
  }

  private snapshot(): ConnectionSnapshot[] {
    return [...this.owned].map((id) => ({
      id,
      groups: new Map(this.groups.groupsOfConnection(id).map((group) => [group, this.groups.meta(group, id)])),
    }));
  }

  private isInSync({ link, bus }: Cluster): boolean {
    return link.canCommand && link.canSubscribe && bus.isSynced && !this.needsResync && this.resyncing === undefined;
  }

  private markUpIfInSync(cluster: Cluster): void {
    const { link, bus } = cluster;
    if (link.canCommand && link.canSubscribe && bus.isSynced && !this.needsResync) link.markUp(this.nodeId);
  }

  private async beat(): Promise<void> {
    const cluster = this.cluster;
    if (!cluster?.link.canCommand) return;
    if (this.needsResync) await this.resync();
    else if (await cluster.state.heartbeat(cluster.liveness.ttlMs).catch((error: unknown) => this.onFailure('heartbeat', error))) this.requestResync();
    if (!cluster.bus.isSynced) await this.resubscribe();
  }

  private async reap(): Promise<void> {
    const cluster = this.cluster;
    if (!cluster?.link.canCommand) return;
    const dead = await cluster.state.deadNodes(DEAD_NODES_PER_TICK).catch((error: unknown) => {
      this.onFailure('reap', error);
      return [];
    });
    for (const node of dead) await this.purgeDeadNode(cluster, node);
  }

  private async purgeDeadNode(cluster: Cluster, node: string): Promise<void> {
    let departed = 0;
    for (let round = 0; round < MAX_REAP_ROUNDS; round++) {
      const result = await cluster.state.purgeDeadNode(node, REAP_BATCH);
      if (result.isAlive) return;
      runEach(result.departed, (entry) => this.announce('leave', entry), `presence leaves of node ${node}`);
      departed += result.departed.length;
      if (result.remaining === 0) {
        this.logger.warn(`node ${node} missed its heartbeats: its connections left the cluster (${departed} presence leaves announced)`);
        return;
      }
    }
  }
}
