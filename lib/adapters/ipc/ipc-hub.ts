import { Logger } from '@nestjs/common';
import type { NodeMessage } from '../../rooms/broker.interface';
import { MemberGroups } from '../../rooms/member-groups';
import { MultiMap } from '../../rooms/multi-map';
import type { GroupKind, PresenceChange } from '../../rooms/presence-store.interface';
import { HubHistory, HubHistoryOutcome } from './hub-history';
import { bytesOf, HubMessage, HubPayload, IPC_VIA, IpcAnswer, IpcQuery, isWorkerMessage, WorkerMessage } from './ipc-message';
import { BoundedSender, DEFAULT_MAX_PENDING_BYTES, IpcPort } from './ipc-port';

/** A worker's node as the primary knows it. */
interface HubNode {
  sender: BoundedSender;
  port: IpcPort;
  connections: Set<string>;
  /** Membership changes and posted messages relayed to this node and not yet answered: the asking node and its request id. */
  relayed: Map<string, { origin: string; requestId: number }>;
}

const relayKey = (origin: string, requestId: number): string => `${origin}:${requestId}`;

export interface IpcHubOptions {
  /** Messages to one worker not yet written to its channel, beyond which more are dropped and counted. */
  maxPendingMessages?: number;
  /** Bytes of frames and payloads to one worker not yet written to its channel, beyond which more are dropped and counted. Default 64 MiB. */
  maxPendingBytes?: number;
}

const DEFAULT_MAX_PENDING_MESSAGES = 65_536;

/**
 * The primary process of a cluster as the hub of the IpcAdapters in its workers: it relays each
 * publish once to every other worker listening to one of its groups, takes direct sends and
 * membership changes to the worker holding the connection, and holds the cluster's membership
 * and presence, and the room histories and sessions of their RoomHistory. It keeps no frame of a
 * plain broadcast: each worker delivers to its own members.
 *
 * @example
 * const hub = new IpcHub();
 * cluster.on('fork', (worker) => hub.attach(worker));
 */
export class IpcHub {
  private readonly logger = new Logger('IpcHub');
  private readonly maxPendingMessages: number;
  private readonly maxPendingBytes: number;
  private readonly nodes = new Map<string, HubNode>();
  private readonly senders = new Map<IpcPort, BoundedSender>();
  /** Which nodes listen to each group, by kind. */
  private readonly listeners: Record<GroupKind, MultiMap<string, string>> = { room: new MultiMap(), tag: new MultiMap(), gateway: new MultiMap() };
  /** Connection id → the node holding it. */
  private readonly owners = new Map<string, string>();
  /** Every room's members across the nodes, with presence. */
  private readonly rooms = new MemberGroups();
  /** The workers' room histories and sessions (createRoomHistory with the IpcAdapter). */
  private readonly history = new HubHistory();

  constructor(options: IpcHubOptions = {}) {
    this.maxPendingMessages = options.maxPendingMessages ?? DEFAULT_MAX_PENDING_MESSAGES;
    this.maxPendingBytes = options.maxPendingBytes ?? DEFAULT_MAX_PENDING_BYTES;
  }

  /** Serves the IpcAdapter(s) at the other end of the port; their nodes leave when it disconnects (the worker died). */
  attach(port: IpcPort): void {
    const onMessage = (message: unknown): void => {
      if (isWorkerMessage(message)) this.receive(port, message);
    };
    const onDisconnect = (): void => {
      port.off('message', onMessage);
      port.off('disconnect', onDisconnect);
      this.senders.delete(port);
      for (const [id, node] of [...this.nodes]) if (node.port === port) this.drop(id);
    };
    port.on('message', onMessage);
    port.on('disconnect', onDisconnect);
  }

  /** Messages that could not be handed to a worker (its queue was full, or it was gone). */
  get undelivered(): number {
    let total = 0;
    for (const sender of this.senders.values()) total += sender.undelivered;
    return total;
  }

  private receive(port: IpcPort, message: WorkerMessage): void {
    const { node } = message;
    switch (message.kind) {
      case 'hello':
        return this.welcome(port, node);
      case 'bye':
        return this.drop(node);
      case 'subscribe':
        return this.listeners[message.group].add(message.name, node);
      case 'unsubscribe':
        return this.listeners[message.group].delete(message.name, node);
      case 'publish':
        return this.relay(message);
      case 'addConnection':
        this.owners.set(message.connectionId, node);
        this.nodes.get(node)?.connections.add(message.connectionId);
        return;
      case 'removeConnection':
        this.forget(message.connectionId); // the node announced its leaves when the connection closed
        return;
      case 'join':
        // A join that raced its connection's close arrives after removeConnection: it must not bring it back.
        if (this.owners.get(message.connectionId) === node) this.rooms.add(message.room, message.connectionId, message.meta);
        return;
      case 'leave':
        this.rooms.remove(message.room, message.connectionId);
        return;
      case 'query':
        return this.answer(node, message.requestId, this.query(message.query));
      case 'reach':
        return this.reach(node, message.requestId, message.connectionId, message.message);
      case 'history':
        return this.serveHistory(node, message);
      case 'applied':
        this.nodes.get(node)?.relayed.delete(relayKey(message.origin, message.requestId));
        return this.answer(message.origin, message.requestId, true, message.failure);
      case 'tookPosted':
        this.nodes.get(node)?.relayed.delete(relayKey(message.origin, message.requestId));
        return this.answer(message.origin, message.requestId, message.accepted);
    }
  }

  private welcome(port: IpcPort, id: string): void {
    let sender = this.senders.get(port);
    if (!sender) this.senders.set(port, (sender = new BoundedSender(port, this.maxPendingMessages, this.maxPendingBytes)));
    this.nodes.set(id, { sender, port, connections: new Set(), relayed: new Map() });
  }

  /** Once to each other node listening to one of the groups: a member of several rooms gets the frame once (its node's LocalRooms sees to it). */
  private relay({ node, group, names, frame, except }: Extract<WorkerMessage, { kind: 'publish' }>): void {
    const sentTo = names.length > 1 ? new Set<string>() : undefined;
    for (const name of names) {
      for (const target of this.listeners[group].get(name)) {
        if (target === node || sentTo?.has(target)) continue;
        sentTo?.add(target);
        this.send(target, { kind: 'deliver', group, names, frame, except });
      }
    }
  }

  /** @internal Rooms with a history and sessions kept, for leak checks. */
  historyFootprint(): { rooms: number; sessions: number } {
    return this.history.footprint;
  }

  /** An append goes to every node listening to the room, the publisher too: each delivers in offset order. */
  private serveHistory(node: string, { requestId, request }: Extract<WorkerMessage, { kind: 'history' }>): void {
    let outcome: HubHistoryOutcome;
    try {
      outcome = this.history.handle(request);
    } catch (error) {
      // A malformed call (a worker of another version) must not take the primary down.
      this.logger.error(`history ${request.op} from node ${node} failed`, error instanceof Error ? error.stack : String(error));
      return this.answer(node, requestId, undefined, `the primary could not ${request.op}: ${error instanceof Error ? error.message : String(error)}`);
    }
    const { answer, retained } = outcome;
    if (retained) for (const target of this.listeners.room.get(retained.room)) this.send(target, { kind: 'retained', ...retained });
    this.answer(node, requestId, answer);
  }

  private query(query: IpcQuery): IpcAnswer {
    switch (query.what) {
      case 'members':
        return [...this.rooms.members(query.room)];
      case 'presence':
        return [...this.rooms.presence(query.room)].map(([id, meta]) => ({ id, meta }));
      case 'roomsOf':
        return this.rooms.groupsOfConnection(query.connectionId);
      case 'rooms':
        return [...this.rooms.groups()];
      case 'nodes':
        return [...this.nodes].map(([id, { connections }]) => ({ id, connections: connections.size }));
    }
  }

  /** A frame goes to the holder at once; a membership change or posted messages are answered when the holder says it applied or took them. */
  private reach(origin: string, requestId: number, connectionId: string, message: NodeMessage): void {
    const holder = this.owners.get(connectionId);
    if (holder === undefined || holder === origin) return this.answer(origin, requestId, false);
    if (message.kind === 'frame') return this.answer(origin, requestId, this.send(holder, { kind: 'direct', connectionId, frame: message.frame }));
    const relayed: HubPayload =
      message.kind === 'posted' ? { kind: 'posted', origin, requestId, connectionId, posted: message.posted } : { kind: 'membership', origin, requestId, connectionId, change: message.change };
    if (!this.send(holder, relayed)) {
      return this.answer(origin, requestId, true, `node ${holder} is not reachable`);
    }
    this.nodes.get(holder)?.relayed.set(relayKey(origin, requestId), { origin, requestId });
  }

  /** An answer too large for what may wait on the channel now (a long history read) is a failure at once, not a wait for the timeout. */
  private answer(node: string, requestId: number, value: IpcAnswer | undefined, failure?: string): void {
    if (this.send(node, { kind: 'answer', requestId, value, failure }) || value === undefined) return;
    this.send(node, { kind: 'answer', requestId, value: undefined, failure: `the answer did not fit the channel to node ${node} (maxPendingMessages / maxPendingBytes)` });
  }

  private send(to: string, payload: HubPayload): boolean {
    const message = { via: IPC_VIA, to, ...payload } as HubMessage;
    return this.nodes.get(to)?.sender.send(message, bytesOf(payload)) ?? false;
  }

  private forget(connectionId: string): PresenceChange[] {
    const holder = this.owners.get(connectionId);
    this.owners.delete(connectionId);
    if (holder !== undefined) this.nodes.get(holder)?.connections.delete(connectionId);
    const left: PresenceChange[] = [];
    for (const room of this.rooms.groupsOfConnection(connectionId)) {
      const meta = this.rooms.remove(room, connectionId)?.meta;
      if (meta) left.push({ room, action: 'leave', id: connectionId, meta });
    }
    return left;
  }

  /**
   * A node that closed or died: it listens to nothing, and its connections leave every room. The
   * members that had presence are announced by a node still listening to their room (the dead one
   * cannot), which tells its own members and the other nodes.
   */
  private drop(id: string): void {
    const node = this.nodes.get(id);
    if (!node) return;
    this.nodes.delete(id);
    const connectionCount = node.connections.size;
    for (const listeners of Object.values(this.listeners)) {
      for (const name of [...listeners.keys()]) listeners.delete(name, id);
    }
    // Its askers hear now, not after their timeout.
    for (const { origin, requestId } of node.relayed.values()) this.answer(origin, requestId, true, `node ${id} left before applying it`);
    const left = [...node.connections].flatMap((connectionId) => this.forget(connectionId));
    for (const change of left) {
      const [announcer] = this.listeners.room.get(change.room);
      if (announcer !== undefined) this.send(announcer, { kind: 'announce', change });
    }
    if (left.length > 0) this.logger.log(`node ${id} left: ${connectionCount} connection(s) gone, ${left.length} presence leave(s) announced`);
  }
}
