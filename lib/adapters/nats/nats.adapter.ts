import { Logger } from '@nestjs/common';
import type { Msg, Subscription } from '@nats-io/nats-core';
import { randomUUID } from 'node:crypto';
import { AdapterStats, LocalNode, NodeInfo, NodeMessage } from '../../rooms/broker.interface';
import { GroupKind, PresenceMember, PresenceMeta } from '../../rooms/presence-store.interface';
import { RoomsAdapter } from '../../rooms/rooms-adapter.interface';
import { RecentIds } from '../redis/recent-ids';
import { RedisAdapter } from '../redis/redis.adapter';
import { RedisHistoryLink } from '../redis/redis-history-link';
import { ClusterMessage, decodeClusterMessage, encodeClusterMessage } from '../redis/redis-message';
import { RemoteMembershipError } from '../../rooms/remote-membership.error';
import { NatsAdapterOptions, ResolvedNatsAdapterOptions, withNatsDefaults } from './nats-adapter-options.interface';
import { NatsLink } from './nats-link';
import { encodeJson, NodeNotice, NodeQuery, parseJson, parseNotice, parseQuery, parseReachAnswer, QueryAnswer, ReachAnswer } from './nats-message';
import { NatsSubjects } from './nats-subjects';
import { NodeDirectory } from './node-directory';

const NOBODY: ReadonlySet<string> = new Set();
const RECENT_IDS = 4096;
const HELD: Uint8Array = encodeJson({ held: true } satisfies ReachAnswer);
const NOT_HELD: Uint8Array = encodeJson({ held: false } satisfies ReachAnswer);

/**
 * Rooms, tags, direct sends and presence across nodes through NATS (core pub/sub, the maintained
 * `@nats-io/transport-node` v3 client, an optional peer dependency). One subject per room, tag and
 * gateway group, which only nodes holding a member subscribe; each node delivers to its own
 * connections, so a frame is encoded once and crosses NATS once per node. Nothing is stored
 * anywhere: queries (members, presence, rooms, nodes) ask every live node, which answers from its
 * own connections, so a node that dies drops out of them within 1.5 heartbeats, with no reaper.
 *
 * With `redis`, presence and room history live in Redis instead (a RedisAdapter this adapter owns
 * keeps them, per room with TTLs): members, presence and rooms are read there, a killed node's
 * members leave with events, and retained messages travel on the room's Redis channel, published by
 * the script that assigned their offset, so every node gets a room's messages in offset order.
 *
 * NATS keeps a publisher's messages in order to each subscriber, and delivers each once; a node
 * in two rooms of one broadcast gets two copies and delivers one. While NATS is away, each node
 * serves its own connections and counts what it could not hand to the others (`stats()`); the
 * client reconnects and resubscribes on its own.
 *
 * @example
 * WebSocketModule.forRoot({ adapter: new NatsAdapter({ servers: process.env.NATS_URL }) })
 * @example
 * WebSocketModule.forRoot({
 *   adapter: new NatsAdapter({ servers: process.env.NATS_URL, redis: { url: process.env.REDIS_URL, keyPrefix: 'chat:' } }),
 *   history: { rooms: ['chat:*'] },
 * })
 */
export class NatsAdapter implements RoomsAdapter {
  /** This node's id among the others. */
  readonly nodeId: string;
  private readonly options: ResolvedNatsAdapterOptions;
  private readonly subjects: NatsSubjects;
  private readonly logger = new Logger('NatsAdapter');
  private readonly recent = new RecentIds(RECENT_IDS);
  private readonly directory: NodeDirectory;
  private readonly link: NatsLink;
  /** Presence and history, when kept in Redis (`redis`); its broker side carries only retained messages. */
  private readonly store: RedisAdapter | undefined;
  /** A room history uses the store: this node listens to the Redis channels of its rooms for retained messages. */
  private hasHistory = false;
  /** Group subjects this node listens to, with their subscription once NATS has one. */
  private readonly groups = new Map<string, Subscription | undefined>();
  private readonly control: Subscription[] = [];
  private node: LocalNode | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private sequence = 0;

  constructor(options: NatsAdapterOptions) {
    this.options = withNatsDefaults(options);
    this.nodeId = this.options.nodeId ?? randomUUID();
    this.subjects = new NatsSubjects(this.options.subjectPrefix);
    this.directory = new NodeDirectory(Math.ceil(this.options.heartbeatIntervalMs * 1.5));
    this.link = new NatsLink(this.options, this.logger, { onUp: () => void this.onUp() });
    this.store = this.options.redis ? new RedisAdapter({ ...this.options.redis, nodeId: this.nodeId }) : undefined;
  }

  async start(node: LocalNode): Promise<void> {
    this.node = node;
    await Promise.all([this.link.open(), this.store?.start(node)]);
    this.heartbeat = setInterval(() => this.tell('beat'), this.options.heartbeatIntervalMs).unref();
  }

  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    this.tell('bye');
    this.groups.clear();
    this.control.length = 0;
    await Promise.all([this.link.close(), this.store?.close()]);
  }

  async subscribe(kind: GroupKind, name: string): Promise<void> {
    if (kind === 'room' && this.hasHistory) await this.store?.subscribe(kind, name);
    const subject = this.subjects.group(kind, name);
    this.groups.set(subject, undefined);
    const subscription = await this.link.subscribe(subject, this.onGroupMessage);
    // Left (or subscribed again) while the subscription was going: keep only what is still wanted.
    if (!subscription) return;
    if (this.groups.has(subject) && this.groups.get(subject) === undefined) this.groups.set(subject, subscription);
    else subscription.unsubscribe();
  }

  async unsubscribe(kind: GroupKind, name: string): Promise<void> {
    if (kind === 'room' && this.hasHistory) await this.store?.unsubscribe(kind, name);
    const subject = this.subjects.group(kind, name);
    this.groups.get(subject)?.unsubscribe();
    this.groups.delete(subject);
  }

  publish(kind: GroupKind, names: readonly string[], frame: Buffer, except: ReadonlySet<string>): void {
    // An id only when a node may get the message on several subjects (a member of two of the rooms).
    const id = names.length > 1 ? `${this.nodeId}:${this.sequence++}` : undefined;
    const message = encodeClusterMessage({ kind: 'broadcast', origin: this.nodeId, groups: names.map((name) => `${kind}:${name}`), except: [...except], id, frame });
    for (const name of names) this.link.publish(this.subjects.group(kind, name), message);
  }

  /** Asks every live node; the one holding the connection delivers the frame, or applies the change, and says so. */
  async reach(connectionId: string, message: NodeMessage): Promise<boolean> {
    // TODO(#19): forward fallback POSTs to the node holding the session; until then they reach only this node's sessions.
    if (message.kind === 'posted') return false;
    const request: ClusterMessage =
      message.kind === 'frame' ? { kind: 'direct', origin: this.nodeId, connectionId, frame: message.frame } : { kind: 'membership', origin: this.nodeId, connectionId, ...message.change };
    const expected = this.directory.liveCount;
    let held: ReachAnswer | undefined;
    const gathered = await this.link.gather(this.subjects.reach, encodeClusterMessage(request), expected, (answer) => (held = parseReachAnswer(answer.data))?.held === true);
    const isHeld = held?.held === true;
    if (message.kind === 'frame') {
      if (!isHeld && !gathered?.isComplete) this.link.undelivered++; // the connection may well be open on a node that did not answer
      return isHeld;
    }
    const { action } = message.change;
    if (!gathered) throw new RemoteMembershipError(action, connectionId, undefined, 'NATS is unreachable, so the node holding it cannot be asked');
    if (held?.failure !== undefined) throw new RemoteMembershipError(action, connectionId, undefined, `failed to apply it: ${held.failure}`);
    if (!isHeld && !gathered.isComplete) {
      throw new RemoteMembershipError(action, connectionId, undefined, `${expected - gathered.answers.length} of ${expected} nodes did not answer within ${this.options.requestTimeoutMs} ms`);
    }
    return isHeld;
  }

  async nodes(): Promise<NodeInfo[]> {
    const self = { id: this.nodeId, connections: this.node?.local.connectionCount ?? 0, isSelf: true };
    const others = (await this.ask({ what: 'nodes' })).filter(isNodeAnswer).map((node) => ({ id: node.id, connections: node.connections, isSelf: false }));
    return [self, ...others];
  }

  /** NATS's figures, plus Redis's when it keeps presence and history (connected only when both are). */
  stats(): AdapterStats {
    const own: AdapterStats = { isConnected: this.link.isConnected, undelivered: this.link.undelivered, outages: this.link.outages };
    if (!this.store) return own;
    const redis = this.store.stats();
    return { isConnected: own.isConnected && redis.isConnected, undelivered: own.undelivered + redis.undelivered, outages: own.outages + redis.outages, silentGaps: redis.silentGaps };
  }

  // Without a store nothing is stored: this node's LocalRooms is its part of the answer, and every node answers for its own.
  async addConnection(connectionId: string): Promise<void> {
    await this.store?.addConnection(connectionId);
  }

  async removeConnection(connectionId: string): Promise<void> {
    await this.store?.removeConnection(connectionId);
  }

  async join(kind: GroupKind, name: string, connectionId: string, meta: PresenceMeta | undefined): Promise<void> {
    await this.store?.join(kind, name, connectionId, meta);
  }

  async leave(kind: GroupKind, name: string, connectionId: string): Promise<void> {
    await this.store?.leave(kind, name, connectionId);
  }

  async members(room: string): Promise<string[]> {
    return this.store ? this.store.members(room) : this.gatherLists({ what: 'members', room }, isStrings);
  }

  async presence(room: string): Promise<PresenceMember[]> {
    return this.store ? this.store.presence(room) : this.gatherLists({ what: 'presence', room }, isPresenceList);
  }

  /** A connection of another node: only that node names rooms. */
  async roomsOf(connectionId: string): Promise<string[]> {
    return this.store ? this.store.roomsOf(connectionId) : this.gatherLists({ what: 'roomsOf', connectionId }, isStrings);
  }

  async rooms(): Promise<string[]> {
    return this.store ? this.store.rooms() : [...new Set(await this.gatherLists({ what: 'rooms' }, isStrings))];
  }

  /** @internal The Redis keeping room histories (lib/history/redis/redis-history.ts); only with `redis`. */
  historyLink(): RedisHistoryLink {
    if (!this.store) throw new Error('history: the NatsAdapter keeps no history without Redis: give it `redis` (new NatsAdapter({ servers, redis: { url } }))');
    this.hasHistory = true;
    return this.store.historyLink();
  }

  /** @internal What this node holds besides its rooms, for leak checks: its group subscriptions and the other nodes it counts. */
  footprint(): { groupSubjects: number; liveNodes: number } {
    return { groupSubjects: this.groups.size, liveNodes: this.directory.liveCount };
  }

  /** This node's answer followed by the others'. */
  private async gatherLists<T>(query: NodeQuery, isList: (answer: unknown) => answer is T[]): Promise<T[]> {
    const own = this.answer(query) as T[];
    const others = await this.ask(query);
    return own.concat(...others.filter(isList));
  }

  /** The answers of the other live nodes; none while NATS is away (this node's own view is the answer then). */
  private async ask(query: NodeQuery): Promise<unknown[]> {
    const expected = this.directory.liveCount;
    const gathered = await this.link.gather(this.subjects.query, encodeJson(query), expected);
    if (!gathered) return [];
    if (!gathered.isComplete) this.logger.warn(`${query.what}: ${expected - gathered.answers.length} of ${expected} nodes did not answer within ${this.options.requestTimeoutMs} ms`);
    return gathered.answers.map((answer) => parseJson(answer.data));
  }

  /** What this node answers, from its own connections. */
  private answer(query: NodeQuery): QueryAnswer {
    const local = this.node?.local;
    switch (query.what) {
      case 'nodes':
        return { id: this.nodeId, connections: local?.connectionCount ?? 0 };
      case 'rooms':
        return [...(local?.rooms.groups() ?? [])];
      case 'members':
        return [...(local?.rooms.members(query.room) ?? [])];
      case 'presence':
        return [...(local?.rooms.presence(query.room) ?? [])].map(([id, meta]) => ({ id, meta }));
      case 'roomsOf':
        return local?.isOwned(query.connectionId) ? local.rooms.groupsOfConnection(query.connectionId) : [];
    }
  }

  private tell(kind: NodeNotice['kind']): void {
    // Liveness is not a send of the application's: it is not counted when it cannot go.
    if (this.link.isConnected) this.link.publish(this.subjects.nodes, encodeJson({ kind, node: this.nodeId } satisfies NodeNotice));
  }

  /** Connected, first or again: the control subjects exist, and the others hear this node at once. */
  private async onUp(): Promise<void> {
    if (this.control.length === 0) {
      const subscribed = await Promise.all([
        this.link.subscribe(this.subjects.nodes, this.onNotice),
        this.link.subscribe(this.subjects.reach, this.onReach),
        this.link.subscribe(this.subjects.query, this.onQuery),
      ]);
      for (const subscription of subscribed) if (subscription) this.control.push(subscription);
      // Groups joined before NATS first answered.
      await Promise.all([...this.groups].filter(([, subscription]) => subscription === undefined).map(([subject]) => this.resubscribe(subject)));
    }
    this.tell('hello');
  }

  private async resubscribe(subject: string): Promise<void> {
    const subscription = await this.link.subscribe(subject, this.onGroupMessage);
    if (subscription && this.groups.has(subject) && this.groups.get(subject) === undefined) this.groups.set(subject, subscription);
    else subscription?.unsubscribe();
  }

  private readonly onNotice = (message: Msg): void => {
    const notice = parseNotice(message.data);
    if (!notice || notice.node === this.nodeId) return;
    if (notice.kind === 'bye') return this.directory.left(notice.node);
    this.directory.heard(notice.node);
    if (notice.kind === 'hello') this.tell('beat'); // the newcomer learns of this node now, not a period later
  };

  private readonly onGroupMessage = (message: Msg): void => {
    const decoded = this.decode(message.data);
    if (decoded?.kind !== 'broadcast' || decoded.origin === this.nodeId || decoded.groups.length === 0) return;
    if (decoded.id !== undefined && this.recent.seen(decoded.id)) return;
    // One publish addresses rooms, one tag or one gateway group: never two kinds.
    const kind = kindOf(decoded.groups[0]);
    if (!kind) return;
    const except = decoded.except.length > 0 ? new Set(decoded.except) : NOBODY;
    this.node?.local.deliver(kind, decoded.groups.map(nameOf), decoded.frame, except);
  };

  private readonly onReach = (message: Msg): void => {
    const decoded = this.decode(message.data);
    const local = this.node?.local;
    if (!decoded || !local || decoded.origin === this.nodeId) return;
    if (decoded.kind === 'direct') {
      message.respond(local.deliverTo(decoded.connectionId, decoded.frame) ? HELD : NOT_HELD);
    } else if (decoded.kind === 'membership') {
      if (!local.isOwned(decoded.connectionId)) message.respond(NOT_HELD);
      else void this.applyMembership(message, decoded);
    }
  };

  private readonly onQuery = (message: Msg): void => {
    const query = parseQuery(message.data);
    if (query) message.respond(encodeJson(this.answer(query)));
    else this.logger.error(`dropped an unreadable query (${message.data.length} B)`);
  };

  /** Applies a change asked by another node, then tells it (a closed connection joins nothing, and that is an answer too). */
  private async applyMembership(message: Msg, { connectionId, action, room, meta }: Extract<ClusterMessage, { kind: 'membership' }>): Promise<void> {
    let failure: string | undefined;
    try {
      await this.node?.apply(connectionId, { action, room, meta });
    } catch (error) {
      failure = error instanceof Error ? error.message : String(error);
      this.logger.error(`${action} from another node failed`, error instanceof Error ? error.stack : String(error));
    }
    message.respond(encodeJson({ held: true, failure } satisfies ReachAnswer));
  }

  private decode(data: Uint8Array): ClusterMessage | undefined {
    try {
      return decodeClusterMessage(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    } catch (error) {
      this.logger.error(`dropped an unreadable message (${data.length} B)`, error instanceof Error ? error.stack : String(error));
      return undefined;
    }
  }
}

const KINDS: ReadonlySet<string> = new Set<GroupKind>(['room', 'tag', 'gateway']);
const kindOf = (group: string): GroupKind | undefined => {
  const kind = group.slice(0, group.indexOf(':'));
  return KINDS.has(kind) ? (kind as GroupKind) : undefined;
};
const nameOf = (group: string): string => group.slice(group.indexOf(':') + 1);

const isStrings = (answer: unknown): answer is string[] => Array.isArray(answer) && answer.every((item) => typeof item === 'string');
const isPresenceList = (answer: unknown): answer is PresenceMember[] =>
  Array.isArray(answer) && answer.every((item: Partial<PresenceMember> | null) => typeof item?.id === 'string' && typeof item.meta === 'object' && item.meta !== null);
const isNodeAnswer = (answer: unknown): answer is { id: string; connections: number } =>
  typeof (answer as { id?: unknown })?.id === 'string' && typeof (answer as { connections?: unknown }).connections === 'number';
