import { Inject, Injectable, Optional } from '@nestjs/common';
import { EventCodec } from '../codec/event-codec.interface';
import { RoomHistory } from '../history/room-history.service';
import { encodeFrame, encodeTextFrame } from '../protocol/frame-writer';
import { Opcode } from '../protocol/opcode';
import { ReadyState } from '../transport/connection';
import { ConnectionRef, idOf, requireName, requireNames, requirePresenceMeta } from './argument-checks';
import { LocalConnections } from '../session/local-connections';
import { PresenceEncoder, PresenceMember, PresenceMeta, RoomsAdapter } from './rooms-adapter.interface';
import { encodeEnvelope } from '../session/ws-connection';
import { PRESENCE_EVENT } from '../wire/reserved-events';


/** Presence changes as envelopes of the given codec. */
export const presenceEncoder =
  (codec: EventCodec): PresenceEncoder =>
  (change) =>
    encodeEnvelope(codec, { event: PRESENCE_EVENT, data: change });

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
    @Inject(EventCodec) private readonly codec: EventCodec,
    private readonly local: LocalConnections,
    @Optional() @Inject(RoomHistory) private readonly history: RoomHistory | null = null,
  ) {
    adapter.usePresenceEncoder(presenceEncoder(codec));
  }

  /** With history, the connection's session records the room (and where its history stood), so a resume rejoins it. */
  join(connection: ConnectionRef, room: string, options: JoinOptions = {}): Promise<void> {
    const id = idOf('rooms.join()', connection);
    requireName('rooms.join()', 'room', room);
    requirePresenceMeta('rooms.join()', options.presence);
    if (typeof connection !== 'string' && connection.readyState === ReadyState.Closed) return Promise.resolve();
    // The adapter is called in this tick (with history too): a join and a say sent together stay in order.
    if (!this.history) return this.adapter.join(id, room, options.presence);
    return this.joinRecorded(this.history, id, room, options);
  }

  leave(connection: ConnectionRef, room: string): Promise<void> {
    const id = idOf('rooms.leave()', connection);
    requireName('rooms.leave()', 'room', room);
    const left = this.adapter.leave(id, room);
    return this.history ? left.then(() => this.history?.left(id, room)) : left;
  }

  leaveAll(connection: ConnectionRef): Promise<void> {
    const id = idOf('rooms.leaveAll()', connection);
    const left = this.adapter.leaveAll(id);
    return this.history ? left.then(() => this.history?.left(id)) : left;
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
    return this.adapter.roomsOf(idOf('rooms.roomsOf()', connection));
  }

  /** Every room with at least one member. */
  all(): Promise<string[]> {
    return this.adapter.rooms();
  }

  /** The session records the room, and where its history stood before the join (a resume replays from there). */
  private async joinRecorded(history: RoomHistory, id: string, room: string, options: JoinOptions): Promise<void> {
    // Both start in this tick, the position's read first: it is taken before the join takes effect,
    // and the join is in effect for the next message, as without history.
    const [position] = await Promise.all([history.positionBeforeJoin(id, room), this.adapter.join(id, room, options.presence)]);
    // The adapter joined nothing if the connection closed meanwhile: its session must not claim the room.
    if (position !== undefined && this.local.get(id) !== undefined) await history.joined(id, room, position);
  }

  /** Starts a broadcast to one or more rooms. */
  to(room: string | readonly string[]): Broadcast {
    requireNames('rooms.to()', 'room', room);
    return new Broadcast(this.adapter, this.codec, typeof room === 'string' ? [room] : [...room], new Set(), this.history);
  }
}

/** A broadcast being addressed: `.to()` adds rooms, `.except()` skips connections, `.send()` delivers. */
export class Broadcast {
  constructor(
    private readonly adapter: RoomsAdapter,
    private readonly codec: EventCodec,
    private readonly rooms: string[],
    private readonly skipped: Set<string>,
    private readonly history: RoomHistory | null = null,
  ) {}

  to(room: string | readonly string[]): Broadcast {
    requireNames('broadcast.to()', 'room', room);
    return new Broadcast(this.adapter, this.codec, this.rooms.concat(room), this.skipped, this.history);
  }

  except(connection: ConnectionRef | readonly ConnectionRef[]): Broadcast {
    const skipped = new Set(this.skipped);
    for (const ref of Array.isArray(connection) ? connection : [connection]) skipped.add(idOf('broadcast.except()', ref));
    return new Broadcast(this.adapter, this.codec, this.rooms, skipped, this.history);
  }

  /**
   * `{"event":…,"data":…}` to every member, encoded once. A room with history gets its own copy,
   * retained with the next offset (`"room","offset","epoch"` added); then this resolves once the
   * history has it (with Redis: XADD acknowledged), and rejects when it could not be retained.
   */
  send(event: string, data?: unknown): Promise<void> {
    requireName('broadcast.send()', 'event', event); // without one, no client can dispatch the envelope
    const history = this.history;
    // Rooms without history (the common case) cost one pass and no array.
    if (!history || !this.rooms.some(history.options.isRetained)) return this.sendFrame(encodeEnvelope(this.codec, { event, data }));
    return this.sendRetained(history, this.rooms.filter(history.options.isRetained), event, data);
  }

  private async sendRetained(history: RoomHistory, retained: readonly string[], event: string, data: unknown): Promise<void> {
    const live = this.rooms.filter((room) => !history.isRetained(room));
    await Promise.all([
      live.length > 0 ? this.adapter.broadcast(live, encodeEnvelope(this.codec, { event, data }), this.skipped) : undefined,
      ...retained.map((room) => history.append(room, event, data, this.skipped)),
    ]);
  }

  /** A raw message to every member: a string as text, a Buffer as binary. */
  sendRaw(message: string | Buffer): Promise<void> {
    const frame = typeof message === 'string' ? encodeTextFrame(message) : encodeFrame(message, { opcode: Opcode.Binary });
    return this.sendFrame(frame);
  }

  private sendFrame(frame: Buffer): Promise<void> {
    return this.adapter.broadcast(this.rooms, frame, this.skipped);
  }
}
