import { DeflateParams } from '../../protocol/extensions/permessage-deflate';
import { MessageDeflater } from './message-deflater';
import { MessageInflater } from './message-inflater';
import { SerialQueue } from './serial-queue';

/** The largest message sent compressed; see shouldCompress. */
const MAX_COMPRESSED_MESSAGE_BYTES = 4 * 1024 * 1024;

/**
 * permessage-deflate for one connection: the negotiated parameters, zlib contexts made on
 * first use, and one queue per direction that keeps messages in order around async zlib work.
 */
export class DeflateChannel {
  readonly inbound = new SerialQueue();
  readonly outbound = new SerialQueue();
  /** Bytes of messages waiting to be compressed: they count against maxBufferedBytes too. */
  pendingOutboundBytes = 0;
  private inflater: MessageInflater | undefined;
  private deflater: MessageDeflater | undefined;

  constructor(
    readonly params: DeflateParams,
    private readonly maxMessageBytes: number,
  ) {}

  /**
   * Messages under the threshold are sent uncompressed (DESIGN.md: under 1 KiB), and so are those
   * above 4 MiB: RSV1 is per message (RFC 7692 §6), and Node 20's own WebSocket (undici 6) fails
   * the connection with 1006 when a message inflates past 4 MiB.
   */
  shouldCompress(byteLength: number): boolean {
    return byteLength >= this.params.thresholdBytes && byteLength <= MAX_COMPRESSED_MESSAGE_BYTES;
  }

  inflate(data: Buffer): Promise<Buffer> {
    return (this.inflater ??= new MessageInflater(this.params, this.maxMessageBytes)).inflate(data);
  }

  deflate(payload: Buffer): Promise<Buffer> {
    return (this.deflater ??= new MessageDeflater(this.params)).deflate(payload);
  }

  close(): void {
    this.inbound.clear();
    this.outbound.clear();
    this.inflater?.close();
    this.deflater?.close();
  }
}
