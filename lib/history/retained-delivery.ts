import { EventCodec } from '../codec/event-codec.interface';
import { LocalConnections } from '../session/local-connections';
import { encodeEnvelope } from '../session/outbound-frames';
import { ReplayGates } from './replay-gates';

/**
 * Frames of retained messages, and their delivery to this node's members: each frame is encoded
 * once per node with its room, offset and epoch, and held back from a connection that is replaying.
 */
export class RetainedDelivery {
  readonly gates = new ReplayGates();
  /** The codec writes text (JSON): stored bytes are read back as UTF-8 strings. */
  readonly isTextCodec: boolean;

  constructor(
    readonly codec: EventCodec,
    private readonly local: LocalConnections,
  ) {
    this.isTextCodec = typeof codec.encode({ event: 'probe' }) === 'string';
  }

  /** `{"event","data"}` without a position, for when it could not be retained. */
  plainFrame(event: string, data: unknown): Buffer {
    return encodeEnvelope(this.codec, { event, data });
  }

  /** Whether the connection is open on this node. */
  isLocal(connectionId: string): boolean {
    return this.local.get(connectionId) !== undefined;
  }

  sendTo(connectionId: string, frame: Buffer): void {
    this.local.get(connectionId)?.sendFrame(frame);
  }

  /** `{"event","data","room","offset","epoch"}` as one frame. */
  frame(event: string, data: unknown, room: string, offset: number, epoch: string): Buffer {
    return encodeEnvelope(this.codec, { event, data, room, offset, epoch });
  }

  /** The same, from the codec's bytes of `{event, data}` (how Redis keeps them). */
  frameFromPayload(stored: string | Buffer, room: string, offset: number, epoch: string): Buffer {
    const payload = this.isTextCodec && typeof stored !== 'string' ? stored.toString('utf8') : stored;
    const decoded = this.codec.decode(payload);
    if (!decoded.ok) throw new Error(`retained message of room ${room} at ${offset} is unreadable: ${decoded.reason}`);
    return this.frame(decoded.envelope.event, decoded.envelope.data, room, offset, epoch);
  }

  /** The codec's bytes of `{event, data}`, as retained in Redis. */
  payload(event: string, data: unknown): string | Buffer {
    return this.codec.encode({ event, data });
  }

  deliver(room: string, offset: number, frame: Buffer, members: Iterable<string>, except: ReadonlySet<string>): void {
    for (const id of members) {
      if (except.has(id)) continue;
      const gate = this.gates.get(id);
      if (gate && !gate.admit(room, offset, frame)) continue;
      this.local.get(id)?.sendFrame(frame);
    }
  }
}
