import { Inject, Injectable } from '@nestjs/common';
import { EventCodec } from '../codec/event-codec.interface';
import { encodeFrame, encodeTextFrame } from '../protocol/frame-writer';
import { Opcode } from '../protocol/opcode';
import { PresenceEncoder, PresenceMember, PresenceMeta, RoomsAdapter } from './rooms-adapter.interface';
import { encodeEnvelope, WsConnection } from './ws-connection';

/** The event of presence changes: `{"event":"presence","data":{room,action,id,meta}}`. */
export const PRESENCE_EVENT = 'presence';

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

type ConnectionRef = WsConnection | string;
const idOf = (connection: ConnectionRef): string => (typeof connection === 'string' ? connection : connection.id);

/**
 * Named groups of connections, injectable anywhere: gateways, controllers, cron jobs.
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
  ) {
    adapter.usePresenceEncoder(presenceEncoder(codec));
  }

  join(connection: ConnectionRef, room: string, options: JoinOptions = {}): Promise<void> {
    return this.adapter.join(idOf(connection), room, options.presence);
  }

  leave(connection: ConnectionRef, room: string): Promise<void> {
    return this.adapter.leave(idOf(connection), room);
  }

  leaveAll(connection: ConnectionRef): Promise<void> {
    return this.adapter.leaveAll(idOf(connection));
  }

  /** Connection ids of the room's members (on every node, with a multi-node adapter). */
  members(room: string): Promise<string[]> {
    return this.adapter.members(room);
  }

  /** Members that joined with presence metadata (on every node, with a multi-node adapter). */
  presence(room: string): Promise<PresenceMember[]> {
    return this.adapter.presence(room);
  }

  roomsOf(connection: ConnectionRef): Promise<string[]> {
    return this.adapter.roomsOf(idOf(connection));
  }

  /** Every room with at least one member. */
  all(): Promise<string[]> {
    return this.adapter.rooms();
  }

  /** Starts a broadcast to one or more rooms. */
  to(room: string | readonly string[]): Broadcast {
    return new Broadcast(this.adapter, this.codec, typeof room === 'string' ? [room] : [...room], new Set());
  }
}

/** A broadcast being addressed: `.to()` adds rooms, `.except()` skips connections, `.send()` delivers. */
export class Broadcast {
  constructor(
    private readonly adapter: RoomsAdapter,
    private readonly codec: EventCodec,
    private readonly rooms: string[],
    private readonly skipped: Set<string>,
  ) {}

  to(room: string | readonly string[]): Broadcast {
    return new Broadcast(this.adapter, this.codec, this.rooms.concat(room), this.skipped);
  }

  except(connection: ConnectionRef | readonly ConnectionRef[]): Broadcast {
    const skipped = new Set(this.skipped);
    for (const ref of Array.isArray(connection) ? connection : [connection]) skipped.add(idOf(ref));
    return new Broadcast(this.adapter, this.codec, this.rooms, skipped);
  }

  /** `{"event":…,"data":…}` to every member, encoded once. */
  send(event: string, data?: unknown): Promise<void> {
    return this.sendFrame(encodeEnvelope(this.codec, { event, data }));
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
