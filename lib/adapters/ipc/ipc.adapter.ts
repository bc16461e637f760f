import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AdapterStats, LocalNode, NodeInfo, NodeMessage } from '../../rooms/broker.interface';
import { GroupKind, PresenceMember, PresenceMeta } from '../../rooms/presence-store.interface';
import { RoomsAdapter } from '../../rooms/rooms-adapter.interface';
import { RemoteMembershipError } from '../../rooms/remote-membership.error';
import { HistoryCalls, HistoryOp, IpcHistoryLink, RetainedMessage } from './ipc-history-link';
import { bytesOf, frameOf, HubMessage, IPC_VIA, IpcAnswer, IpcQuery, isHubMessage, WorkerMessage, WorkerPayload } from './ipc-message';
import { BoundedSender, DEFAULT_MAX_PENDING_BYTES, IpcPort, parentPort } from './ipc-port';
import { PendingAnswers } from './pending-answers';

export interface IpcAdapterOptions {
  /** The channel to the primary running an IpcHub; by default this worker's own (`process`). */
  port?: IpcPort;
  /** This node's id; by default a random UUID. */
  nodeId?: string;
  /** How long a query or a membership change waits for the primary. Default 5,000 ms. */
  requestTimeoutMs?: number;
  /** Messages not yet written to the channel, beyond which publishes are dropped and counted. Default 65,536. */
  maxPendingMessages?: number;
  /** Bytes of frames and payloads not yet written to the channel, beyond which publishes are dropped and counted. Default 64 MiB. */
  maxPendingBytes?: number;
}

const NOBODY: ReadonlySet<string> = new Set();
const NO_EXCEPTIONS: string[] = [];

/**
 * Rooms, tags, direct sends and presence across the workers of a Node `cluster`, with no Redis:
 * the primary process runs an `IpcHub` (see `runClustered()`), and each worker's adapter publishes
 * and stores through it over the cluster's IPC channel. Each worker delivers to its own
 * connections; its rooms stay in `LocalRooms`. While the primary is unreachable, a worker serves
 * its own connections, answers queries from them, and counts what it could not publish.
 *
 * @example
 * WebSocketModule.forRoot({ adapter: cluster.isWorker ? new IpcAdapter() : undefined })
 */
export class IpcAdapter implements RoomsAdapter {
  readonly nodeId: string;
  private readonly logger = new Logger('IpcAdapter');
  private readonly answers: PendingAnswers;
  private readonly options: IpcAdapterOptions;
  private node: LocalNode | undefined;
  private port: IpcPort | undefined;
  private sender: BoundedSender | undefined;
  private isClosed = false;
  /** Times the channel to the primary closed before this adapter did. */
  private outages = 0;
  /** Messages this node could not send because that channel had closed. */
  private unsent = 0;
  /** The room history's receiver of retained messages, when the module keeps history. */
  private receiveRetained: ((message: RetainedMessage) => void) | undefined;

  constructor(options: IpcAdapterOptions = {}) {
    this.options = options;
    this.nodeId = options.nodeId ?? randomUUID();
    this.answers = new PendingAnswers(options.requestTimeoutMs ?? 5000);
  }

  async start(node: LocalNode): Promise<void> {
    const port = this.options.port ?? parentPort();
    if (!port) throw new Error('IpcAdapter needs an IPC channel to the primary: run it in a cluster worker (see runClustered) or pass { port }');
    this.node = node;
    this.port = port;
    this.sender = new BoundedSender(port, this.options.maxPendingMessages ?? 65_536, this.options.maxPendingBytes ?? DEFAULT_MAX_PENDING_BYTES);
    port.on('message', this.onMessage);
    port.on('disconnect', this.onDisconnect);
    this.send({ kind: 'hello' });
  }

  async close(): Promise<void> {
    this.send({ kind: 'bye' });
    this.isClosed = true;
    this.onDisconnect();
  }

  async subscribe(kind: GroupKind, name: string): Promise<void> {
    this.send({ kind: 'subscribe', group: kind, name });
  }

  async unsubscribe(kind: GroupKind, name: string): Promise<void> {
    this.send({ kind: 'unsubscribe', group: kind, name });
  }

  publish(kind: GroupKind, names: readonly string[], frame: Buffer, except: ReadonlySet<string>): void {
    this.send({ kind: 'publish', group: kind, names, frame, except: except.size === 0 ? NO_EXCEPTIONS : [...except] });
  }

  async reach(connectionId: string, message: NodeMessage): Promise<boolean> {
    const reached = this.ask((requestId) => ({ kind: 'reach', requestId, connectionId, message }));
    if (message.kind === 'frame') return (await reached.catch(() => false)) === true;
    // Posted messages: a rejection (primary or holder unreachable) answers the POST 503.
    if (message.kind === 'posted') return (await reached) === true;
    try {
      return (await reached) === true;
    } catch (error) {
      throw new RemoteMembershipError(message.change.action, connectionId, undefined, (error as Error).message);
    }
  }

  async nodes(): Promise<NodeInfo[]> {
    const nodes = await this.query<Omit<NodeInfo, 'isSelf'>[]>({ what: 'nodes' }, () => [{ id: this.nodeId, connections: this.node?.local.connectionCount ?? 0 }]);
    return nodes.map((node) => ({ ...node, isSelf: node.id === this.nodeId }));
  }

  stats(): AdapterStats {
    return { isConnected: this.port !== undefined, undelivered: (this.sender?.undelivered ?? 0) + this.unsent, outages: this.outages };
  }

  async addConnection(connectionId: string): Promise<void> {
    this.send({ kind: 'addConnection', connectionId });
  }

  async removeConnection(connectionId: string): Promise<void> {
    this.send({ kind: 'removeConnection', connectionId });
  }

  /** Only rooms are kept on the primary: tags and gateway groups answer no query. */
  async join(kind: GroupKind, room: string, connectionId: string, meta: PresenceMeta | undefined): Promise<void> {
    if (kind === 'room') this.send({ kind: 'join', room, connectionId, meta });
  }

  async leave(kind: GroupKind, room: string, connectionId: string): Promise<void> {
    if (kind === 'room') this.send({ kind: 'leave', room, connectionId });
  }

  members(room: string): Promise<string[]> {
    return this.query({ what: 'members', room }, () => [...(this.node?.local.rooms.members(room) ?? [])]);
  }

  presence(room: string): Promise<PresenceMember[]> {
    return this.query({ what: 'presence', room }, () => [...(this.node?.local.rooms.presence(room) ?? [])].map(([id, meta]) => ({ id, meta })));
  }

  roomsOf(connectionId: string): Promise<string[]> {
    return this.query({ what: 'roomsOf', connectionId }, () => []);
  }

  rooms(): Promise<string[]> {
    return this.query({ what: 'rooms' }, () => [...(this.node?.local.rooms.groups() ?? [])]);
  }

  /** What a room history kept on the primary uses of this adapter (createRoomHistory calls it). */
  historyLink(): IpcHistoryLink {
    return {
      call: async <K extends HistoryOp>(op: K, args: HistoryCalls[K][0]): Promise<HistoryCalls[K][1]> =>
        (await this.ask((requestId) => ({ kind: 'history', requestId, request: { op, ...args } as Extract<WorkerPayload, { kind: 'history' }>['request'] }))) as HistoryCalls[K][1],
      onRetained: (receive) => {
        this.receiveRetained = receive;
      },
    };
  }

  /** @internal What this node holds besides its rooms, for leak checks. */
  footprint(): { pendingAnswers: number } {
    return { pendingAnswers: this.answers.size };
  }

  private send(payload: WorkerPayload): boolean {
    if (!this.port || !this.sender) {
      if (!this.isClosed) this.unsent++;
      return false;
    }
    return this.sender.send({ via: IPC_VIA, node: this.nodeId, ...payload } as WorkerMessage, bytesOf(payload));
  }

  private ask(payload: (requestId: number) => WorkerPayload): Promise<IpcAnswer | undefined> {
    return this.answers.request((requestId) => this.send(payload(requestId)));
  }

  /** The primary's view, or this node's own while the primary does not answer. */
  private async query<T extends IpcAnswer>(query: IpcQuery, fallback: () => T): Promise<T> {
    try {
      return (await this.ask((requestId) => ({ kind: 'query', requestId, query }))) as T;
    } catch (error) {
      this.logger.warn(`${query.what} answered from this node only: ${(error as Error).message}`);
      return fallback();
    }
  }

  private readonly onMessage = (message: unknown): void => {
    if (isHubMessage(message) && message.to === this.nodeId) this.receive(message);
  };

  /** The primary is gone (or this adapter closed): nothing more will be answered. */
  private readonly onDisconnect = (): void => {
    if (!this.isClosed && this.port) this.outages++;
    this.port?.off('message', this.onMessage);
    this.port?.off('disconnect', this.onDisconnect);
    this.port = undefined;
    this.answers.failAll('the channel to the primary closed');
  };

  private receive(message: HubMessage): void {
    const local = this.node?.local;
    switch (message.kind) {
      case 'deliver':
        local?.deliver(message.group, message.names, frameOf(message.frame), message.except.length === 0 ? NOBODY : new Set(message.except));
        return;
      case 'direct':
        local?.deliverTo(message.connectionId, frameOf(message.frame));
        return;
      case 'membership':
        void this.applyMembership(message);
        return;
      case 'posted':
        void this.takePosted(message);
        return;
      case 'answer':
        return this.answers.settle(message.requestId, message.value, message.failure);
      case 'retained':
        try {
          this.receiveRetained?.(message);
        } catch (error) {
          this.logger.error(`a retained message of room ${message.room} could not be delivered`, error instanceof Error ? error.stack : String(error));
        }
        return;
      case 'announce':
        try {
          this.node?.announce(message.change, 'everywhere');
        } catch (error) {
          this.logger.error('a presence leave of a node that died could not be announced', error instanceof Error ? error.stack : String(error));
        }
        return;
    }
  }

  /** Applies a change another node asked for, then tells it through the primary (a closed connection joins nothing, and that is an answer too). */
  private async applyMembership({ origin, requestId, connectionId, change }: Extract<HubMessage, { kind: 'membership' }>): Promise<void> {
    let failure: string | undefined;
    try {
      await this.node?.apply(connectionId, change);
    } catch (error) {
      failure = error instanceof Error ? error.message : String(error);
      this.logger.error(`${change.action} from another node failed`, error instanceof Error ? error.stack : String(error));
    }
    this.send({ kind: 'applied', origin, requestId, failure });
  }

  /** Hands messages posted on another node to the fallback session here (the session checks path and token), then tells that node through the primary. */
  private async takePosted({ origin, requestId, connectionId, posted }: Extract<HubMessage, { kind: 'posted' }>): Promise<void> {
    let accepted = false;
    try {
      accepted = (await this.node?.deliverPosted?.(connectionId, posted)) === true;
    } catch (error) {
      this.logger.error('messages posted on another node could not be delivered', error instanceof Error ? error.stack : String(error));
    }
    this.send({ kind: 'tookPosted', origin, requestId, accepted });
  }
}
