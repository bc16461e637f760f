import { Inject, Injectable, Logger } from '@nestjs/common';
import { EventCodec } from '../codec/event-codec.interface';
import { LocalConnections } from '../session/local-connections';
import { AnnouncementScope, LocalNode, MembershipChange, PostedMessages } from './broker.interface';
import { LocalRooms } from './local-rooms';
import { Departure } from './member-groups';
import { presenceEncoder } from './presence-encoder';
import { ALL_GATEWAYS, GroupKind, PresenceChange, PresenceEncoder, PresenceMeta } from './presence-store.interface';
import { RoomsAdapter } from './rooms-adapter.interface';
import { runEach } from './run-each';

const NOBODY: ReadonlySet<string> = new Set();

/** The longest a connection waits, before it is read, for this node to hear its gateway's group (a healthy broker takes a round trip). */
export const GATEWAY_LISTEN_WAIT_MS = 1_000;

// Presence metadata is kept as JSON, as a store across nodes keeps it: a copy taken at the join is
// what every node sees, even if the caller's object changes later.
const jsonCopy = (meta: PresenceMeta): PresenceMeta => JSON.parse(JSON.stringify(meta)) as PresenceMeta;

/**
 * This node's side of rooms and tags. Every membership change and every send of `Rooms` and the
 * registry goes through here: `LocalRooms` changes first (in the caller's tick, so a join and a
 * broadcast sent together stay in order), then the adapter's broker and store follow. A change
 * for a connection of another node is sent to that node, which applies it here, in its own.
 */
@Injectable()
export class RoomsNode implements LocalNode {
  readonly local: LocalRooms;
  private readonly encodePresence: PresenceEncoder;
  private readonly subscribing = new Map<string, Promise<void>>();
  private readonly logger = new Logger('RoomsNode');

  constructor(
    @Inject(RoomsAdapter) private readonly adapter: RoomsAdapter,
    private readonly connections: LocalConnections,
    @Inject(EventCodec) codec: EventCodec,
  ) {
    this.local = new LocalRooms(connections);
    this.encodePresence = presenceEncoder(codec);
  }

  /** Called once at bootstrap, before any route is bound. */
  start(): Promise<void> {
    return this.adapter.start(this);
  }

  /** Called once at shutdown, after every connection has closed. */
  close(): Promise<void> {
    return this.adapter.close();
  }

  /**
   * A connection opened on this node: the store's write, or undefined when it had nothing to wait for
   * (no promise per connection with the MemoryAdapter). A port throwing synchronously rejects instead of failing the open.
   */
  opened(connectionId: string): Promise<void> | undefined {
    try {
      const stored = this.adapter.addConnection(connectionId);
      return stored instanceof Promise ? stored : undefined;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * The connection accepted by `gateway` joins that gateway's group and ALL_GATEWAYS (sendToGateway,
   * sendToAll), which only this node knows: the store is not written. A promise while this node is
   * starting to hear one of them (its first member): what other nodes send before that is lost, so
   * the connection waits for it before it reads, but no longer than GATEWAY_LISTEN_WAIT_MS (a broker
   * whose link went silent, without a reset, never answers: no connection of the gateway was read).
   */
  enterGateway(connectionId: string, gateway: string): Promise<void> | undefined {
    // No array or promise per connection once both groups are heard (every connection after the first).
    const gatewayHeard = this.listenAs(gateway, connectionId);
    const allHeard = this.listenAs(ALL_GATEWAYS, connectionId);
    if (gatewayHeard === undefined || allHeard === undefined) return gatewayHeard ?? allHeard;
    return Promise.all([gatewayHeard, allHeard]).then(() => undefined);
  }

  /** The subscription of a gateway group still in flight, shared by the connections that arrive meanwhile. */
  private listenAs(group: string, connectionId: string): Promise<void> | undefined {
    if (!this.local.gateways.add(group, connectionId)) return this.subscribing.get(group);
    const subscribed = this.atMostListenWait(settledBy(() => this.adapter.subscribe('gateway', group)), group).finally(() => this.subscribing.delete(group));
    this.subscribing.set(group, subscribed);
    return subscribed;
  }

  /** The subscription's end, or the wait's bound; a failure after the bound has no one waiting, so it is logged here. */
  private atMostListenWait(subscribed: Promise<void>, group: string): Promise<void> {
    return new Promise((resolve, reject) => {
      let isWaiting = true;
      const timer = setTimeout(() => {
        isWaiting = false;
        resolve();
      }, GATEWAY_LISTEN_WAIT_MS).unref();
      subscribed.then(
        () => {
          clearTimeout(timer);
          resolve();
        },
        (error: unknown) => {
          clearTimeout(timer);
          if (isWaiting) reject(error);
          else this.logger.error(`adapter subscribe of gateway group ${group} failed`, error instanceof Error ? error.stack : String(error));
        },
      );
    });
  }

  /** A connection of this node closed (call before it leaves LocalConnections): its tags go now, its rooms with the `leaveAll()` that follows. */
  async closed(connectionId: string): Promise<void> {
    if (!this.local.isOwned(connectionId)) return; // closed before, and forgotten
    this.local.markClosing(connectionId);
    const tags = this.leaveLocally('tag', connectionId);
    // Unsubscribed in this tick: a connection of the gateway that opens next subscribes after it, not before.
    const unheard = this.leaveLocally('gateway', connectionId).map(({ name, isLast }) => isLast && this.adapter.unsubscribe('gateway', name));
    await this.release('tag', connectionId, tags, false);
    await Promise.all(unheard);
  }

  /** A connection of this node that has closed joins nothing (its cleanup may have run already). */
  async join(connectionId: string, room: string, presence?: PresenceMeta): Promise<void> {
    if (!this.local.isOwned(connectionId)) return this.forward(connectionId, { action: 'join', room, meta: presence });
    if (this.local.isClosing(connectionId)) return;
    // Checked first: metadata that JSON or the codec refuses fails the join before anything changed.
    const meta = presence && jsonCopy(presence);
    const announcement = meta && this.encodePresence({ room, action: 'join', id: connectionId, meta });
    await this.enter('room', room, connectionId, meta);
    if (announcement) await this.fanOut('room', [room], announcement, NOBODY);
  }

  async leave(connectionId: string, room: string): Promise<void> {
    if (!this.local.isOwned(connectionId)) return this.forward(connectionId, { action: 'leave', room });
    const departure = await this.exit('room', room, connectionId);
    if (!departure) return;
    await this.adapter.leave('room', room, connectionId);
    // Encoded after the member is gone: a codec that fails leaves no presence behind.
    if (departure.meta) this.announce({ room, action: 'leave', id: connectionId, meta: departure.meta }, 'everywhere');
  }

  /**
   * Leaves every room; once the connection has closed, it is forgotten everywhere too. This node
   * forgets it first, whatever the adapter then does: a port that fails cannot keep it here.
   */
  async leaveAll(connectionId: string): Promise<void> {
    if (!this.local.isOwned(connectionId)) return this.forward(connectionId, { action: 'leaveAll' });
    const isClosed = this.local.isClosing(connectionId);
    const rooms = this.leaveLocally('room', connectionId);
    const tags = isClosed ? this.leaveLocally('tag', connectionId) : NO_DEPARTURES; // tags a late handleConnection added after the close
    if (isClosed) this.local.forget(connectionId);
    try {
      await this.release('room', connectionId, rooms, !isClosed);
      await this.release('tag', connectionId, tags, false);
      if (isClosed) await this.adapter.removeConnection(connectionId);
    } finally {
      runEach(rooms, ({ name, meta }) => meta && this.announce({ room: name, action: 'leave', id: connectionId, meta }, 'everywhere'), `presence leaves of ${connectionId}`);
    }
  }

  /** The connection's rooms: this node's own from `LocalRooms`, another node's from the store. */
  roomsOf(connectionId: string): Promise<string[]> {
    if (this.local.isOwned(connectionId)) return Promise.resolve(this.local.rooms.groupsOfConnection(connectionId));
    return this.adapter.roomsOf(connectionId);
  }

  /** A connection of this node that has closed is not tagged (and not kept). */
  async tag(connectionId: string, tag: string): Promise<void> {
    if (this.local.isOwned(connectionId) && !this.local.isClosing(connectionId)) await this.enter('tag', tag, connectionId, undefined);
  }

  async untag(connectionId: string, tag: string): Promise<void> {
    if (this.local.isOwned(connectionId) && (await this.exit('tag', tag, connectionId))) await this.adapter.leave('tag', tag, connectionId);
  }

  /** Writes the same frame bytes to each member of the rooms once, skipping `except`, on every node. */
  async broadcast(rooms: readonly string[], frame: Buffer, except: ReadonlySet<string>): Promise<void> {
    return this.fanOut('room', rooms, frame, except);
  }

  /** Writes a frame to every connection the gateway accepted (ALL_GATEWAYS: every connection), on every node. */
  async sendToGateway(gateway: string, frame: Buffer, except: ReadonlySet<string>): Promise<void> {
    return this.fanOut('gateway', [gateway], frame, except);
  }

  /** Writes a frame to every connection carrying the tag, on every node. */
  async sendToTag(tag: string, frame: Buffer, except: ReadonlySet<string>): Promise<void> {
    return this.fanOut('tag', [tag], frame, except);
  }

  /** Writes a frame to one connection wherever it lives; false when no node has it open. */
  sendTo(connectionId: string, frame: Buffer): Promise<boolean> {
    if (this.local.isOwned(connectionId)) return Promise.resolve(this.local.deliverTo(connectionId, frame));
    return this.adapter.reach(connectionId, { kind: 'frame', frame });
  }

  /**
   * Messages posted to the HTTP fallback here, for a session of another node: true once that node
   * handed them to the session, false when no node holds it. Rejects when the broker cannot tell.
   */
  forwardPosted(connectionId: string, posted: PostedMessages): Promise<boolean> {
    return this.adapter.reach(connectionId, { kind: 'posted', posted });
  }

  deliverPosted(connectionId: string, posted: PostedMessages): Promise<boolean> {
    return this.connections.get(connectionId)?.acceptPosted(posted) ?? Promise.resolve(false);
  }

  /** A change another node asked for; only this node's own connections change (no forwarding back). */
  apply(connectionId: string, { action, room, meta }: MembershipChange): Promise<void> {
    if (!this.local.isOwned(connectionId)) return Promise.resolve();
    if (action === 'leaveAll') return this.leaveAll(connectionId);
    if (room === undefined) return Promise.resolve();
    return action === 'join' ? this.join(connectionId, room, meta) : this.leave(connectionId, room);
  }

  announce(change: PresenceChange, scope: AnnouncementScope): void {
    const frame = this.encodePresence(change);
    if (scope === 'everywhere') this.local.deliver('room', [change.room], frame, NOBODY);
    this.publish('room', [change.room], frame, NOBODY)?.catch(this.logAnnouncementFailure);
  }

  /** A rejected publish reaches the caller of the send, as a sync throw does. */
  private fanOut(kind: GroupKind, names: readonly string[], frame: Buffer, except: ReadonlySet<string>): Promise<void> | undefined {
    this.local.deliver(kind, names, frame, except);
    return this.publish(kind, names, frame, except);
  }

  /**
   * The broker's publish is typed void, but an adapter may write it `async`: its promise is handed on,
   * never dropped (an unhandled rejection ends the process). None is made when publish returns nothing.
   */
  private publish(kind: GroupKind, names: readonly string[], frame: Buffer, except: ReadonlySet<string>): Promise<void> | undefined {
    const published: unknown = this.adapter.publish(kind, names, frame, except);
    return published instanceof Promise ? (published as Promise<void>) : undefined;
  }

  /** An announcement has no caller to tell (it may follow a close, or a dead node found by the store). */
  private readonly logAnnouncementFailure = (error: unknown): void => {
    this.logger.error('adapter publish of a presence event failed', error instanceof Error ? error.stack : String(error));
  };

  private async forward(connectionId: string, change: MembershipChange): Promise<void> {
    await this.adapter.reach(connectionId, { kind: 'membership', change });
  }

  private async enter(kind: GroupKind, name: string, connectionId: string, meta: PresenceMeta | undefined): Promise<void> {
    if (this.local.groups(kind).add(name, connectionId, meta)) await this.adapter.subscribe(kind, name);
    await this.adapter.join(kind, name, connectionId, meta);
  }

  /** Leaves locally at once; this node stops listening when it was the group's last local member. */
  private async exit(kind: GroupKind, name: string, connectionId: string): Promise<Departure | undefined> {
    const departure = this.local.groups(kind).remove(name, connectionId);
    if (departure?.isLast) await this.adapter.unsubscribe(kind, name);
    return departure;
  }

  /** Leaves every group of the kind locally at once: a broadcast sent next reaches none of them. */
  private leaveLocally(kind: GroupKind, connectionId: string): Left[] {
    const groups = this.local.groups(kind);
    const left: Left[] = [];
    for (const name of groups.groupsOfConnection(connectionId)) {
      const departure = groups.remove(name, connectionId);
      if (departure) left.push({ name, meta: departure.meta, isLast: departure.isLast });
    }
    return left;
  }

  /** Tells the broker what this node no longer listens to, and with `isStored` the store what the connection left. */
  private async release(kind: GroupKind, connectionId: string, left: readonly Left[], isStored: boolean): Promise<void> {
    for (const { name, isLast } of left) {
      // Asked again after each await: a connection that joined the group meanwhile subscribed, and a late unsubscribe would undo it.
      if (isLast && this.local.groups(kind).members(name).size === 0) await this.adapter.unsubscribe(kind, name);
      if (isStored) await this.adapter.leave(kind, name, connectionId);
    }
  }
}

/** A group the connection left, and what it had there. */
interface Left extends Departure {
  name: string;
}

const NO_DEPARTURES: readonly Left[] = [];

/** The port's promise, or a rejected one when it threw synchronously, so the caller's catch handles both. */
function settledBy(call: () => Promise<void>): Promise<void> {
  try {
    return call();
  } catch (error) {
    return Promise.reject(error);
  }
}
