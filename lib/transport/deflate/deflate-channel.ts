import { DeflateParams } from '../../protocol/extensions/permessage-deflate';
import { MessageDeflater } from './message-deflater';
import { MessageInflater } from './message-inflater';
import { SerialQueue } from './serial-queue';

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

  /** Messages under the threshold are sent uncompressed (DESIGN.md: under 1 KiB). */
  shouldCompress(byteLength: number): boolean {
    return byteLength >= this.params.thresholdBytes;
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
