import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AdapterStats, AnnouncementScope, LocalNode, MembershipChange, NodeInfo, NodeMessage, PostedMessages } from '../../rooms/broker.interface';
import { GroupKind, PresenceChange, PresenceMember, PresenceMeta } from '../../rooms/presence-store.interface';
import { RoomsAdapter } from '../../rooms/rooms-adapter.interface';
import { runEach } from '../../rooms/run-each';
import { ClusterBus } from './cluster-bus';
import { ClusterState, PresenceEntry, RoomSnapshot } from './cluster-state';
import { ConnectionKeys } from './connection-keys';
import { MembershipAcks } from './membership-acks';
import { NodeAnswers } from './node-answers';
import { NodeLiveness } from './node-liveness';
import { RecentIds } from './recent-ids';
import { RedisAdapterOptions, ResolvedRedisAdapterOptions, withRedisDefaults } from './redis-adapter-options.interface';
import { groupName, groupOf, kindOfGroup, RedisNames } from './redis-channels';
import { closeRedisClients, openRedisClients, RedisClients, targetsCluster } from './redis-clients';
import { isRetainedMessage, RedisHistoryLink } from './redis-history-link';
import { isLinkError, RedisLink } from './redis-link';
import { ClusterMessage, decodeClusterMessage, encodeClusterMessage, NodeQuestion } from './redis-message';
import { RemoteMembershipError } from '../../rooms/remote-membership.error';
import { ShardSubscribers } from './shard-subscribers';
import { SubscriberProbe } from './subscriber-probe';

/** What exists once the adapter is started. */
interface Cluster {
  clients: RedisClients;
  link: RedisLink;
  bus: ClusterBus;
  state: ClusterState;
  connections: ConnectionKeys;
  liveness: NodeLiveness;
  probe: SubscriberProbe;
}

type MembershipMessage = Extract<ClusterMessage, { kind: 'membership' }>;
type QuestionMessage = Extract<ClusterMessage, { kind: 'question' }>;

const NOBODY: ReadonlySet<string> = new Set();
const RECENT_IDS = 4096;
const CLOSE_TIMEOUT_MS = 2000;
// A connection's key (for direct sends) outlives a killed node by at most this; refreshed at half of it.
const CONNECTION_KEY_TTL_MS = 3_600_000;
// After a silent loss, how long the history waits for the subscriber to be back before filling the gap anyway.
const RESUBSCRIBE_WAIT_MS = 10_000;

/**
 * Rooms, tags, direct sends and presence across nodes, through Redis (ioredis, an optional peer
 * dependency): a broker on Redis pub/sub and a presence store in Redis hashes. Each node delivers
 * to its own connections, encoding each frame once; room and tag traffic travels on one channel
 * per group, which only the nodes holding a member subscribe to. Presence lives in Redis per room
 * (every key of a room in one Cluster slot), under per-room node deadlines: a node that dies
 * vanishes by TTL. Questions about every node (nodes(), rooms()) go to the live nodes over pub/sub.
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
  private readonly recent = new RecentIds(RECENT_IDS);
  private readonly acks: MembershipAcks;
  private readonly answers: NodeAnswers;
  private node: LocalNode | undefined;
  private cluster: Cluster | undefined;
  /** Redis may not hold this node's state as it is: rewrite it when the link allows. */
  private needsResync = true;
  private resyncing: Promise<void> | undefined;
  private sequence = 0;
  /** Sharded pub/sub: asked for, or on a Redis Cluster (known before start(): the history's scripts ask at once). */
  private readonly isSharded: boolean;
  /** The room history's receiver of retained messages, when the module has history. */
  private receiveRetained: ((bytes: Buffer) => void) | undefined;
  /** The room history's listener of possible gaps (a subscriber that went silent), when the module has history. */
  private onGap: ((resubscribed: Promise<boolean>) => void) | undefined;
  /** The room history's listener of rooms this node stopped listening to, when the module has history. */
  private onRoomUnsubscribed: ((room: string) => void) | undefined;
  /** Waiting for the subscriber to have every channel again (after a silent loss). */
  private readonly awaitingResubscribe: ((isResubscribed: boolean) => void)[] = [];

  constructor(options: RedisAdapterOptions) {
    this.options = withRedisDefaults(options);
    this.isSharded = this.options.sharded || targetsCluster(this.options);
    this.nodeId = this.options.nodeId ?? randomUUID();
    this.names = new RedisNames(this.options.keyPrefix, this.options.partitions);
    this.acks = new MembershipAcks(this.options.remoteMembershipTimeoutMs);
    this.answers = new NodeAnswers(this.options.queryTimeoutMs);
  }

  async start(node: LocalNode): Promise<void> {
    this.node = node;
    const clients = await openRedisClients(this.options);
    const bus = new ClusterBus(clients, {
      sharded: this.isSharded,
      maxPendingPublishes: this.options.maxPendingPublishes,
      onMessage: (bytes) => this.receive(bytes),
      onSubscriberClosed: () => this.onSubscriberClosed(),
      onFailure: (operation, error) => this.onFailure(operation, error),
    });
    const link = new RedisLink(clients, this.logger, () => bus.undelivered, {
      onClientReady: () => this.requestResync(),
      onSubscriberReady: () => void this.resubscribe(),
    });
    const liveness = new NodeLiveness(this.options.heartbeatIntervalMs, {
      beat: () => this.beat(),
      onError: (error) => this.onFailure('liveness', error),
    });
    const state = new ClusterState(clients.client, this.names, this.nodeId, liveness.ttlMs);
    const connections = new ConnectionKeys(clients.client, this.names, this.nodeId, CONNECTION_KEY_TTL_MS);
    this.cluster = { clients, link, bus, state, connections, liveness, probe: new SubscriberProbe(this.nodeId) };
    await bus.subscribe(this.names.nodeChannel(this.nodeId));
    await bus.subscribe(this.names.nodesChannel);
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
    this.answers.finishAll();
    this.settleResubscribe(false);
    if (cluster.link.canCommand) {
      await cluster.state.removeNode().catch((error: unknown) => this.onFailure('removeNode', error));
    }
    cluster.bus.close();
    if (!cluster.clients.owned.includes(cluster.clients.subscriber)) await cluster.bus.unsubscribeAll();
    await closeRedisClients(cluster.clients, CLOSE_TIMEOUT_MS);
    this.cluster = undefined;
  }

  async subscribe(kind: GroupKind, name: string): Promise<void> {
    await this.cluster?.bus.subscribe(this.names.groupChannel(groupOf(kind, name)));
  }

  async unsubscribe(kind: GroupKind, name: string): Promise<void> {
    try {
      await this.cluster?.bus.unsubscribe(this.names.groupChannel(groupOf(kind, name)));
    } finally {
      if (kind === 'room') this.onRoomUnsubscribed?.(name);
    }
  }

  publish(kind: GroupKind, names: readonly string[], frame: Buffer, except: ReadonlySet<string>): void {
    if (this.cluster) this.publishGroups(this.cluster, names.map((name) => groupOf(kind, name)), frame, except);
  }

  async reach(connectionId: string, message: NodeMessage): Promise<boolean> {
    const cluster = this.cluster;
    const node = await this.query<string | null | undefined>('nodeOf', () => cluster?.connections.nodeOf(connectionId) ?? Promise.resolve(undefined), () => undefined);
    if (message.kind === 'membership') return this.forward(cluster, node, connectionId, message.change);
    if (message.kind === 'posted') return this.forwardPosted(cluster, node, connectionId, message.posted);
    if (!cluster) return false;
    if (node === undefined) {
      cluster.bus.undelivered++; // Redis is away: the connection may well be open elsewhere
      return false;
    }
    if (node === null || node === this.nodeId) return false;
    const direct = encodeClusterMessage({ kind: 'direct', origin: this.nodeId, connectionId, frame: message.frame });
    return (await cluster.bus.publishCounted(this.names.nodeChannel(node), direct)) > 0;
  }

  /** Every live node answers for itself (one publish, one answer per node; `queryTimeoutMs` at most). */
  nodes(): Promise<NodeInfo[]> {
    const self = (): NodeInfo[] => [{ id: this.nodeId, connections: this.node?.local.connectionCount ?? 0, isSelf: true }];
    return this.query(
      'nodes',
      async () => {
        const answers = (await this.ask(this.names.nodesChannel, 'nodes')) as { id: string; connections: number }[];
        const nodes = answers.map(({ id, connections }) => ({ id, connections, isSelf: id === this.nodeId }));
        // This node answers itself through Redis too; when its answer did not come back in time, it still counts.
        return nodes.some(({ isSelf }) => isSelf) ? nodes : [...self(), ...nodes];
      },
      self,
    );
  }

  stats(): AdapterStats {
    const cluster = this.cluster;
    if (!cluster) return { isConnected: false, undelivered: 0, outages: 0 };
    const { link, bus, probe } = cluster;
    return { isConnected: this.isInSync(cluster), undelivered: bus.undelivered, outages: link.outages, silentGaps: probe.gaps };
  }

  async addConnection(connectionId: string): Promise<void> {
    await this.mirror('addConnection', ({ connections }) => connections.add(connectionId));
  }

  async removeConnection(connectionId: string): Promise<void> {
    this.cluster?.connections.forget(connectionId);
    await this.mirror('removeConnection', ({ state, connections }) => Promise.all([state.leaveAll(connectionId), connections.remove(connectionId)]));
  }

  /** Rooms only: a tag or a gateway has no presence, and its channel is the broker's. */
  async join(kind: GroupKind, name: string, connectionId: string, meta: PresenceMeta | undefined): Promise<void> {
    if (kind === 'room') await this.mirror('join', ({ state }) => state.join(connectionId, name, meta));
  }

  async leave(kind: GroupKind, name: string, connectionId: string): Promise<void> {
    if (kind === 'room') await this.mirror('leave', ({ state }) => state.leave(connectionId, name));
  }

  members(room: string): Promise<string[]> {
    return this.query('members', ({ state }) => state.members(room), () => [...(this.node?.local.rooms.members(room) ?? [])]);
  }

  presence(room: string): Promise<PresenceMember[]> {
    return this.query(
      'presence',
      ({ state }) => state.presence(room),
      () => [...(this.node?.local.rooms.presence(room) ?? [])].map(([id, meta]) => ({ id, meta })),
    );
  }

  /** Asks the node holding the connection (found by its key), which answers from its own rooms. */
  roomsOf(connectionId: string): Promise<string[]> {
    return this.query(
      'roomsOf',
      async ({ connections }) => {
        const node = await connections.nodeOf(connectionId);
        if (node === null) return [];
        const [rooms] = (await this.ask(this.names.nodeChannel(node), 'roomsOf', connectionId)) as string[][];
        return rooms ?? [];
      },
      () => [],
    );
  }

  /** Every live node answers with its rooms (one publish, one answer per node; `queryTimeoutMs` at most). */
  rooms(): Promise<string[]> {
    return this.query(
      'rooms',
      async () => [...new Set(((await this.ask(this.names.nodesChannel, 'rooms')) as string[][]).flat())],
      () => [...(this.node?.local.rooms.groups() ?? [])],
    );
  }

  /** @internal What this node holds besides its rooms, for leak checks: nothing pending, its own channels only. */
  footprint(): { pendingAcks: number; pendingQuestions: number; channels: number } {
    return { pendingAcks: this.acks.size, pendingQuestions: this.answers.size, channels: this.cluster?.bus.channelCount ?? 0 };
  }

  /** @internal This adapter's Redis, for room histories in Redis Streams (lib/history/redis/redis-history.ts). */
  historyLink(): RedisHistoryLink {
    return {
      client: () => (this.cluster?.link.canCommand ? this.cluster.clients.client : undefined),
      names: this.names,
      sharded: this.isSharded,
      onRetained: (receive) => (this.receiveRetained = receive),
      onGap: (listener) => (this.onGap = listener),
      onUnsubscribed: (listener) => (this.onRoomUnsubscribed = listener),
    };
  }

  /** Hands a frame to the other nodes listening to the groups. */
  private publishGroups(cluster: Cluster, groups: string[], frame: Buffer, except: ReadonlySet<string>): void {
    const id = groups.length > 1 ? `${this.nodeId}:${this.sequence++}` : undefined;
    const message = encodeClusterMessage({ kind: 'broadcast', origin: this.nodeId, groups, except: [...except], id, frame });
    cluster.bus.publish(
      groups.map((group) => this.names.groupChannel(group)),
      message,
    );
  }

  private announce(action: PresenceChange['action'], { room, id, meta }: PresenceEntry, scope: AnnouncementScope): void {
    this.node?.announce({ room, action, id, meta }, scope);
  }

  private receive(bytes: Buffer): void {
    let message: ClusterMessage;
    try {
      // A retained message comes from the history's script, and reaches its sender too: it is delivered here, in offset order.
      if (isRetainedMessage(bytes)) return this.receiveRetained?.(bytes);
      message = decodeClusterMessage(bytes);
    } catch (error) {
      this.logger.error(`dropped an unreadable cluster message (${bytes.length} B)`, error instanceof Error ? error.stack : String(error));
      return;
    }
    switch (message.kind) {
      case 'broadcast': {
        if (message.origin === this.nodeId) return; // delivered locally when it was sent
        const { groups } = message;
        if (groups.length === 0 || (message.id !== undefined && this.recent.seen(message.id))) return;
        // One publish addresses rooms, one tag or one gateway group: never two kinds.
        const except = message.except.length > 0 ? new Set(message.except) : NOBODY;
        this.node?.local.deliver(kindOfGroup(groups[0]), groups.map(groupName), message.frame, except);
        return;
      }
      case 'direct':
        this.node?.local.deliverTo(message.connectionId, message.frame);
        return;
      case 'membership':
        void this.applyMembership(message);
        return;
      case 'ack':
        this.acks.settle(message.requestId, message.failure);
        return;
      case 'question':
        return this.answer(message);
      case 'answer':
        this.answers.answer(message.requestId, JSON.parse(message.body.toString('utf8')));
        return;
      case 'posted':
        return this.acceptPosted(message);
      case 'probe':
        if (message.origin === this.nodeId) this.cluster?.probe.received(message.requestId);
        return;
    }
  }

  /**
   * Messages posted to the HTTP fallback here for a session another node holds (no sticky sessions):
   * true once that node handed them to the session, false when it holds no such session (or the token
   * is not its own). Rejects when Redis or that node cannot answer: the POST then gets 503.
   */
  private async forwardPosted(cluster: Cluster | undefined, node: string | null | undefined, connectionId: string, posted: PostedMessages): Promise<boolean> {
    if (!cluster || node === undefined) throw new Error('Redis is unreachable, so the node holding the session is unknown');
    if (node === null || node === this.nodeId) return false;
    const requestId = `${this.nodeId}:${this.sequence++}`;
    const answered = this.answers.expect(requestId);
    const body = Buffer.from(JSON.stringify(posted), 'utf8');
    this.answers.published(requestId, await cluster.bus.publishCounted(this.names.nodeChannel(node), encodeClusterMessage({ kind: 'posted', origin: this.nodeId, requestId, connectionId, body })));
    const [accepted] = await answered;
    if (accepted === undefined) throw new Error(`node ${node}, holding the session, did not answer within ${this.options.queryTimeoutMs} ms`);
    return accepted === true;
  }

  /** Posted messages from another node for a session of this one: handed to it if the token is its own, and answered either way. */
  private acceptPosted({ origin, requestId, connectionId, body }: Extract<ClusterMessage, { kind: 'posted' }>): void {
    const posted = parsePostedMessages(body);
    const delivered = posted === undefined ? undefined : this.node?.deliverPosted?.(connectionId, posted);
    void (delivered ?? Promise.resolve(false)).then((accepted) => {
      const answer = encodeClusterMessage({ kind: 'answer', origin: this.nodeId, requestId, body: Buffer.from(JSON.stringify(accepted), 'utf8') });
      return this.cluster?.bus.publishCounted(this.names.nodeChannel(origin), answer);
    });
  }

  /** Puts a question on a channel and resolves with the answers of the nodes that got it. */
  private async ask(channel: string, question: NodeQuestion, connectionId?: string): Promise<unknown[]> {
    const cluster = this.cluster;
    if (!cluster) return [];
    const requestId = `${this.nodeId}:${this.sequence++}`;
    const answered = this.answers.expect(requestId);
    const receivers = await cluster.bus.publishCounted(channel, encodeClusterMessage({ kind: 'question', origin: this.nodeId, requestId, question, connectionId }));
    this.answers.published(requestId, receivers);
    return answered;
  }

  /** Answers a question about this node, from its own state. */
  private answer({ origin, requestId, question, connectionId }: QuestionMessage): void {
    const local = this.node?.local;
    const cluster = this.cluster;
    if (!local || !cluster) return;
    let body: unknown;
    if (question === 'nodes') body = { id: this.nodeId, connections: local.connectionCount };
    else if (question === 'rooms') body = [...local.rooms.groups()];
    else body = connectionId !== undefined && local.isOwned(connectionId) ? local.rooms.groupsOfConnection(connectionId) : [];
    const message = encodeClusterMessage({ kind: 'answer', origin: this.nodeId, requestId, body: Buffer.from(JSON.stringify(body), 'utf8') });
    void cluster.bus.publishCounted(this.names.nodeChannel(origin), message);
  }

  /** Applies a change asked by another node, then tells that node (a closed connection joins nothing, and that is an answer too). */
  private async applyMembership({ origin, connectionId, action, room, meta, requestId }: MembershipMessage): Promise<void> {
    let failure: string | undefined;
    try {
      await this.node?.apply(connectionId, { action, room, meta });
    } catch (error) {
      failure = error instanceof Error ? error.message : String(error);
      this.logger.error(`${action} from another node failed`, error instanceof Error ? error.stack : String(error));
    }
    if (requestId === undefined || !this.cluster) return;
    await this.cluster.bus.publishCounted(this.names.nodeChannel(origin), encodeClusterMessage({ kind: 'ack', origin: this.nodeId, requestId, failure }));
  }

  /**
   * join/leave for a connection of another node: its node applies it, and this resolves once it
   * says so (a broadcast sent next reaches the member). A connection no node holds changes nothing.
   */
  private async forward(cluster: Cluster | undefined, node: string | null | undefined, connectionId: string, change: MembershipChange): Promise<boolean> {
    // Redis away: the connection may well be open on another node, and the change cannot reach it.
    if (!cluster || node === undefined) throw new RemoteMembershipError(change.action, connectionId, undefined, 'Redis is unreachable, so the node holding it is unknown');
    if (node === null || node === this.nodeId) return false;
    const requestId = `${this.nodeId}:${this.sequence++}`;
    const acknowledged = this.acks.expect(requestId, (reason) => new RemoteMembershipError(change.action, connectionId, node, reason));
    const message = encodeClusterMessage({ kind: 'membership', origin: this.nodeId, connectionId, ...change, requestId });
    const published = cluster.bus.publishCounted(this.names.nodeChannel(node), message).then((receivers) => {
      if (receivers === 0) this.acks.fail(requestId, 'is not listening');
    });
    // Awaited together: a stalled Redis can hold the PUBLISH past the timeout, which must reject the caller then, and not unhandled.
    await Promise.all([acknowledged, published]);
    return true;
  }

  /** A write to Redis; when it cannot go, this node's whole state is rewritten once Redis is back. */
  private async mirror(operation: string, write: (cluster: Cluster) => Promise<unknown>): Promise<void> {
    const cluster = this.cluster;
    if (!cluster?.link.canCommand) {
      this.needsResync = true;
      return;
    }
    try {
      await write(cluster);
    } catch (error) {
      this.needsResync = true;
      this.onFailure(operation, error);
    }
  }

  /** A read from Redis, or this node's own view while Redis is away. */
  private async query<T>(operation: string, read: (cluster: Cluster) => Promise<T>, fallback: () => T): Promise<T> {
    const cluster = this.cluster;
    if (!cluster?.link.canCommand) return fallback();
    try {
      return await read(cluster);
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
      const { departed, arrived } = await cluster.state.replaceNode(this.snapshot());
      await cluster.connections.rewrite(this.node?.local.owned() ?? []);
      this.markUpIfInSync(cluster);
      // Presence events follow presence() on the other nodes: members that closed while Redis was away leave, and
      // members Redis had lost (this node was reaped while cut off, or Redis restarted empty) join again. This node's
      // own members saw neither change (its presence() answered from memory meanwhile), so only the others hear it.
      runEach(departed, (entry) => this.announce('leave', entry, 'others'), 'presence leaves after a resync');
      runEach(arrived, (entry) => this.announce('join', entry, 'others'), 'presence joins after a resync');
    } catch (error) {
      this.needsResync = true;
      this.onFailure('resync', error);
    }
  }

  private async resubscribe(): Promise<void> {
    const cluster = this.cluster;
    if (!cluster) return;
    const isResubscribed = await cluster.bus.resubscribe();
    this.markUpIfInSync(cluster);
    if (isResubscribed) this.settleResubscribe(true);
  }

  private settleResubscribe(isResubscribed: boolean): void {
    for (const settle of this.awaitingResubscribe.splice(0)) settle(isResubscribed);
  }

  /** Resolves true once every channel is subscribed again, false after RESUBSCRIBE_WAIT_MS or at shutdown. */
  private whenResubscribed(): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), RESUBSCRIBE_WAIT_MS);
      timer.unref();
      this.awaitingResubscribe.push((isResubscribed) => {
        clearTimeout(timer);
        resolve(isResubscribed);
      });
    });
  }

  /**
   * Publishes this heartbeat's probe on the node's own channel, after checking that the previous one
   * came back. Checked after setImmediate: after a long event-loop block, timers run before the
   * socket is read, and a probe already in the socket's buffer is no loss.
   */
  private probeSubscriber(cluster: Cluster): void {
    setImmediate(() => {
      if (this.cluster !== cluster || !cluster.bus.isSynced) return;
      const { subscriber } = cluster.clients;
      if (subscriber instanceof ShardSubscribers) return void this.probeShards(cluster, subscriber);
      const { isLost, requestId } = cluster.probe.next();
      if (isLost) return this.onSilentLoss(cluster);
      if (requestId === undefined) return;
      void cluster.bus.publishCounted(this.names.nodeChannel(this.nodeId), encodeClusterMessage({ kind: 'probe', origin: this.nodeId, requestId }));
    });
  }

  /** On a Cluster, one probe per master's subscriber connection (ShardSubscribers.probe), on channels only this node uses. */
  private async probeShards(cluster: Cluster, subscriber: ShardSubscribers): Promise<void> {
    const silent = await subscriber.probe(this.names.probeChannelBase(this.nodeId));
    if (silent === 0) return;
    cluster.probe.gaps += silent;
    this.logger.warn(`${silent} master subscriber connection(s) stopped delivering (a probe or an SSUBSCRIBE not answered within two heartbeats of ${this.options.heartbeatIntervalMs} ms): reconnecting them`);
  }

  /** The subscriber is open but did not deliver the last probe: it reconnects (its close is a gap, below). */
  private onSilentLoss(cluster: Cluster): void {
    this.logger.warn(`the subscriber connection stopped delivering (a probe did not come back within two heartbeats of ${this.options.heartbeatIntervalMs} ms): reconnecting it`);
    cluster.clients.subscriber.disconnect(true);
  }

  /**
   * The subscriber connection closed (dropped, or reconnected after a silent loss): what was
   * published until it has every channel again is lost to this node. The room history fills that
   * gap from the streams once it has.
   */
  private onSubscriberClosed(): void {
    this.cluster?.probe.reset();
    this.onGap?.(this.whenResubscribed());
  }

  /** This node's rooms and their members here, as Redis must hold them. */
  private snapshot(): RoomSnapshot[] {
    const local = this.node?.local;
    if (!local) return [];
    return [...local.rooms.groups()].map((room) => {
      const members = new Map<string, PresenceMeta | undefined>();
      for (const id of local.rooms.members(room)) members.set(id, local.rooms.meta(room, id));
      return { room, members };
    });
  }

  private isInSync({ link, bus }: Cluster): boolean {
    return link.canCommand && link.canSubscribe && bus.isSynced && !this.needsResync && this.resyncing === undefined;
  }

  private markUpIfInSync(cluster: Cluster): void {
    const { link, bus } = cluster;
    if (link.canCommand && link.canSubscribe && bus.isSynced && !this.needsResync) link.markUp(this.nodeId);
  }

  /** Refreshes this node's deadline in its rooms (announcing the leaves of dead nodes' members found there) and its connection keys. */
  private async beat(): Promise<void> {
    const cluster = this.cluster;
    if (!cluster?.link.canCommand) return;
    if (this.needsResync) await this.resync();
    else {
      try {
        const { isLost, departed } = await cluster.state.refresh();
        runEach(departed, (entry) => this.announce('leave', entry, 'everywhere'), 'presence leaves of a dead node');
        if (isLost) this.requestResync();
        await cluster.connections.refreshOld();
      } catch (error) {
        this.onFailure('refresh', error);
      }
    }
    if (!cluster.bus.isSynced) await this.resubscribe();
    else if (cluster.link.canSubscribe) this.probeSubscriber(cluster);
  }
}

/** PostedMessages from another node, or undefined when the body is not one (another version, corrupt). */
function parsePostedMessages(body: Buffer): PostedMessages | undefined {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as Partial<PostedMessages>;
    if (typeof parsed.path !== 'string' || typeof parsed.token !== 'string' || !Array.isArray(parsed.messages) || !parsed.messages.every((message) => typeof message === 'string')) return undefined;
    return { path: parsed.path, token: parsed.token, messages: parsed.messages, closes: parsed.closes === true };
  } catch {
    return undefined;
  }
}
