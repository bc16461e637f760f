import { DeflateParams } from '../../protocol/extensions/permessage-deflate';
import { encodeFrame, framePayloadOf } from '../../protocol/frame-writer';
import { ByteBacklog } from '../byte-backlog';
import { MessageDeflater } from './message-deflater';
import { MessageInflater } from './message-inflater';
import { SerialQueue } from './serial-queue';
import { compressedFrame, sharedCompressedFrame } from './shared-compressor';
import { ZLIB_ON_LOOP_MAX_BYTES } from './zlib-pool';

/** The largest message sent compressed; see shouldCompress. */
const MAX_COMPRESSED_MESSAGE_BYTES = 4 * 1024 * 1024;

/** Frames sent as they are while zlib work was queued before them, copied together. */
export interface UncompressedRun {
  readonly frames: ByteBacklog;
  messageCount: number;
}

/**
 * permessage-deflate for one connection: the negotiated parameters, zlib contexts made on
 * first use, and one queue per direction that keeps messages in order around async zlib work.
 */
export class DeflateChannel {
  readonly inbound = new SerialQueue();
  readonly outbound = new SerialQueue();
  /** Messages waiting for or under compression, at their uncompressed frame size: the outbound budget counts them. */
  private compressionBacklogByteCount = 0;
  private inflater: MessageInflater | undefined;
  private deflater: MessageDeflater | undefined;
  /** The run behind the last queued task, which later uncompressed frames join. */
  private uncompressedRun: UncompressedRun | undefined;

  constructor(
    readonly params: DeflateParams,
    private readonly maxMessageBytes: number,
    /** Writes a run when its turn comes. */
    private readonly writeRun: (run: UncompressedRun) => void,
  ) {}

  /** Outbound work in order: a compression, or a step that must follow what was sent before it. */
  queueOutbound(task: () => void | Promise<void>): void {
    this.uncompressedRun = undefined;
    this.outbound.push(task);
  }

  /**
   * A frame that goes out as it is, behind the zlib work queued before it. It is copied into one
   * run with the frames next to it: a flood of tiny messages sent while a compression waits costs
   * its bytes, not a task each (120,000 of them held 27 MiB).
   */
  queueUncompressed(frame: Buffer, isShared: boolean): void {
    let run = this.uncompressedRun;
    if (run === undefined) {
      const newRun: UncompressedRun = (run = this.uncompressedRun = { frames: new ByteBacklog(), messageCount: 0 });
      this.outbound.push(() => {
        if (this.uncompressedRun === newRun) this.uncompressedRun = undefined;
        this.writeRun(newRun);
      });
    }
    run.frames.push(frame, isShared);
    run.messageCount++;
  }

  get compressionBacklogBytes(): number {
    return this.compressionBacklogByteCount;
  }

  enterCompressionBacklog(frameBytes: number): void {
    this.compressionBacklogByteCount += frameBytes;
  }

  leaveCompressionBacklog(frameBytes: number): void {
    this.compressionBacklogByteCount -= frameBytes;
  }

  /** Drops the outbound work that has not started, e.g. once the socket has closed. */
  clearOutbound(): void {
    this.outbound.clear();
    this.uncompressedRun = undefined;
  }

  /**
   * Messages under the threshold are sent uncompressed (DESIGN.md: under 1 KiB), and so are those
   * above 4 MiB: RSV1 is per message (RFC 7692 §6), and Node 20's own WebSocket (undici 6) fails
   * the connection with 1006 when a message inflates past 4 MiB.
   */
  shouldCompress(byteLength: number): boolean {
    return byteLength >= this.params.thresholdBytes && byteLength <= MAX_COMPRESSED_MESSAGE_BYTES;
  }

  /** The message inflated at once when it is small (MessageInflater.inflateNow); undefined: inflate() it on the thread pool. */
  inflateNow(data: Buffer, isText: boolean): string | Buffer | undefined {
    return this.messageInflater.inflateNow(data, isText);
  }

  inflate(data: Buffer): Promise<Buffer> {
    return this.messageInflater.inflate(data);
  }

  /**
   * `frame` as it leaves, made at once on the event loop: compressed when it stands alone (no context
   * takeover) and is small, as it is when its payload is under the threshold; undefined when it needs
   * the thread pool (compress). Shared frames share their compressed form.
   */
  compressNow(frame: Buffer, isShared: boolean): Buffer | undefined {
    if (!this.params.serverNoContextTakeover || frame.length > ZLIB_ON_LOOP_MAX_BYTES) return undefined;
    if (!this.shouldCompress(framePayloadOf(frame).payload.length)) return frame;
    const compressed = isShared ? sharedCompressedFrame(frame, this.params) : compressedFrame(frame, this.params);
    return compressed instanceof Buffer ? compressed : undefined;
  }

  /** `frame` compressed in its turn: at once when small (compressNow), else on the thread pool. */
  async compress(frame: Buffer, isShared: boolean): Promise<Buffer> {
    // Without context takeover a message compresses to the same bytes for every connection: shared-compressor.ts.
    if (this.params.serverNoContextTakeover) return this.compressNow(frame, isShared) ?? sharedCompressedFrame(frame, this.params);
    const { opcode, payload } = framePayloadOf(frame);
    return encodeFrame(await (this.deflater ??= new MessageDeflater(this.params)).deflate(payload), { opcode, rsv1: true });
  }

  private get messageInflater(): MessageInflater {
    return (this.inflater ??= new MessageInflater(this.params, this.maxMessageBytes));
  }

  close(): void {
    this.inbound.clear();
    this.clearOutbound();
    this.inflater?.close();
    this.deflater?.close();
  }
}
