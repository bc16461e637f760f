import { Inject, Injectable } from '@nestjs/common';
import { EventCodec } from '../codec/event-codec.interface';
import { encodeFrame, encodeTextFrame } from '../protocol/frame-writer';
import { Opcode } from '../protocol/opcode';
import { RoomsAdapter } from './rooms-adapter.interface';
import { encodeEnvelope, WsConnection } from './ws-connection';

type ConnectionRef = WsConnection | string;
const idOf = (connection: ConnectionRef): string => (typeof connection === 'string' ? connection : connection.id);

/**
 * Named groups of connections, injectable anywhere: gateways, controllers, cron jobs.
 *
 * @example
 * await rooms.join(client, 'lobby');
 * await rooms.to('lobby').except(client).send('said', { text });
 */
@Injectable()
export class Rooms {
  constructor(
    @Inject(RoomsAdapter) private readonly adapter: RoomsAdapter,
    @Inject(EventCodec) private readonly codec: EventCodec,
  ) {}

  join(connection: ConnectionRef, room: string): Promise<void> {
    return this.adapter.join(idOf(connection), room);
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
