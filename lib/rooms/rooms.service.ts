import { Inject, Injectable, Optional } from '@nestjs/common';
import { EventCodec } from '../codec/event-codec.interface';
import { ReadyState } from '../transport/connection';
import { ConnectionRef, idOf, requireName, requireNames, requirePresenceMeta } from './argument-checks';
import { PresenceMember, PresenceMeta, RoomsAdapter } from './rooms-adapter.interface';
import { RoomsNode } from './rooms-node';
import { encodeEnvelope, encodeMessage } from '../session/outbound-frames';
import { SessionHooks } from '../session/session-hooks.interface';

/** `rooms.join(client, room, options)`. */
export interface JoinOptions {
  /**
   * Show the member in `presence(room)` with this metadata; the room's members, on every node,
   * get `presence` events when it joins and when it leaves (even when its node dies).
   */
  presence?: PresenceMeta;
}

/**
 * Named groups of connections, injectable anywhere: gateways, controllers, cron jobs.
 *
 * A connection that has closed joins nothing: `join()` then resolves without effect, so a
 * handler that awaited something before joining cannot leave a member behind. Names and
 * connections are checked here: a bad one throws a TypeError naming the argument.
 *
 * @example
 * await rooms.join(client, 'lobby');
 * await rooms.to('lobby').except(client).send('said', { text });
 * await rooms.join(client, 'lobby', { presence: { name: 'ada' } });
 * await rooms.presence('lobby'); // [{ id, meta: { name: 'ada' } }], on every node
 */
@Injectable()
export class Rooms {
  constructor(
    @Inject(RoomsAdapter) private readonly adapter: RoomsAdapter,
    private readonly node: RoomsNode,
    @Inject(EventCodec) private readonly codec: EventCodec,
    @Optional() @Inject(SessionHooks) private readonly hooks: SessionHooks | null = null,
  ) {}

  /** With history, the connection's session records the room (and where its history stood), so a resume rejoins it. */
  join(connection: ConnectionRef, room: string, options: JoinOptions = {}): Promise<void> {
    const id = idOf('rooms.join()', connection);
    requireName('rooms.join()', 'room', room);
    requirePresenceMeta('rooms.join()', options.presence);
    if (typeof connection !== 'string' && connection.readyState === ReadyState.Closed) return Promise.resolve();
    // The node joins in this tick (with history too): a join and a say sent together stay in order.
    if (!this.hooks) return this.node.join(id, room, options.presence);
    return this.hooks.join(id, room, () => this.node.join(id, room, options.presence));
  }

  leave(connection: ConnectionRef, room: string): Promise<void> {
    const id = idOf('rooms.leave()', connection);
    requireName('rooms.leave()', 'room', room);
    const left = this.node.leave(id, room);
    return this.hooks ? left.then(() => this.hooks?.left(id, room)) : left;
  }

  leaveAll(connection: ConnectionRef): Promise<void> {
    const id = idOf('rooms.leaveAll()', connection);
    const left = this.node.leaveAll(id);
    return this.hooks ? left.then(() => this.hooks?.left(id)) : left;
  }

  /** Connection ids of the room's members (on every node, with a multi-node adapter). */
  members(room: string): Promise<string[]> {
    requireName('rooms.members()', 'room', room);
    return this.adapter.members(room);
  }

  /** Members that joined with presence metadata (on every node, with a multi-node adapter). */
  presence(room: string): Promise<PresenceMember[]> {
    requireName('rooms.presence()', 'room', room);
    return this.adapter.presence(room);
  }

  roomsOf(connection: ConnectionRef): Promise<string[]> {
    return this.node.roomsOf(idOf('rooms.roomsOf()', connection));
  }

  /** Every room with at least one member. */
  all(): Promise<string[]> {
    return this.adapter.rooms();
  }

  /** Starts a broadcast to one or more rooms. */
  to(room: string | readonly string[]): Broadcast {
    requireNames('rooms.to()', 'room', room);
    return new Broadcast(this.node, this.codec, typeof room === 'string' ? [room] : [...room], new Set(), this.hooks);
  }
}

const someDelivered = (hooks: SessionHooks, rooms: readonly string[]): boolean => {
  for (const room of rooms) if (hooks.deliversRoom(room)) return true;
  return false;
};

/** A broadcast being addressed: `.to()` adds rooms, `.except()` skips connections, `.send()` delivers. */
export class Broadcast {
  constructor(
    private readonly node: RoomsNode,
    private readonly codec: EventCodec,
    private readonly rooms: string[],
    private readonly skipped: Set<string>,
    private readonly hooks: SessionHooks | null = null,
  ) {}

  to(room: string | readonly string[]): Broadcast {
    requireNames('broadcast.to()', 'room', room);
    return new Broadcast(this.node, this.codec, this.rooms.concat(room), this.skipped, this.hooks);
  }

  except(connection: ConnectionRef | readonly ConnectionRef[]): Broadcast {
    const skipped = new Set(this.skipped);
    for (const ref of Array.isArray(connection) ? connection : [connection]) skipped.add(idOf('broadcast.except()', ref));
    return new Broadcast(this.node, this.codec, this.rooms, skipped, this.hooks);
  }

  /**
   * `{"event":…,"data":…}` to every member, encoded once. A room with history gets its own copy,
   * retained with the next offset (`"room","offset","epoch"` added); then this resolves once the
   * history has it (with Redis: XADD acknowledged), and rejects when it could not be retained.
   */
  send(event: string, data?: unknown): Promise<void> {
    requireName('broadcast.send()', 'event', event); // without one, no client can dispatch the envelope
    const { hooks } = this;
    // Without a session plug-in, or no room of its (the common case): one pass, no array, no closure.
    if (!hooks || !someDelivered(hooks, this.rooms)) return this.sendFrame(encodeEnvelope(this.codec, { event, data }));
    return this.sendThroughHooks(hooks, event, data);
  }

  private async sendThroughHooks(hooks: SessionHooks, event: string, data: unknown): Promise<void> {
    // One answer per room: each room gets the broadcast one way, even from a plug-in that answers differently twice.
    const plain: string[] = [];
    const delivered: string[] = [];
    for (const room of this.rooms) (hooks.deliversRoom(room) ? delivered : plain).push(room);
    await Promise.all([
      plain.length > 0 ? this.node.broadcast(plain, encodeEnvelope(this.codec, { event, data }), this.skipped) : undefined,
      ...delivered.map((room) => hooks.deliver(room, event, data, this.skipped)),
    ]);
  }

  /** A raw message to every member: a string as text, a Buffer as binary. */
  sendRaw(message: string | Buffer): Promise<void> {
    return this.sendFrame(encodeMessage(message));
  }

  private sendFrame(frame: Buffer): Promise<void> {
    return this.node.broadcast(this.rooms, frame, this.skipped);
  }
}
