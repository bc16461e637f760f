import { EventEmitter } from 'node:events';
import { Duplex } from 'node:stream';
import { CloseCode } from '../protocol/close-code';
import { encodeClose, encodeFrame, encodeFrameHeader, encodeTextFrame, frameHeaderBytes, frameInPlace, framePayloadOf } from '../protocol/frame-writer';
import { Opcode } from '../protocol/opcode';
import { CloseState } from './close-handshake';
import { ConnectionEvents, OutboundOptions } from './connection-events';
import { DeflateChannel, UncompressedRun } from './deflate/deflate-channel';
import { admitOutbound, BudgetAnswer, canPong } from './outbound-budget';
import { SendQueue } from './send-queue';
import { newTrafficCounters, TrafficCounters } from './traffic-counters';

/** Payloads above this are written after their header instead of being copied into one frame. */
const COPY_THRESHOLD_BYTES = 64 * 1024;
const EMPTY = Buffer.alloc(0);
const TEXT_FRAME = { opcode: Opcode.Text };
const BINARY_FRAME = { opcode: Opcode.Binary };

/**
 * The sending half of a Connection: every outbound frame, in order around compression, judged by
 * the outbound budget and counted once. A base class rather than a member object, so a connection
 * stays one object with no closures per connection (ad6e7b9: four closures cost 250 B a connection);
 * Connection owns the close state and does what only it may: fail, time out, tell its listeners.
 */
export abstract class ConnectionOutbound<Options extends OutboundOptions = OutboundOptions> extends EventEmitter<ConnectionEvents> {
  /** Open from the start: a Connection is made after the 101 is written. Changed only by Connection.applyClose. */
  protected closeState = CloseState.Open;
  protected sentCloseCode: number = CloseCode.Abnormal;
  protected readonly queue: SendQueue;
  protected readonly counters: TrafficCounters;
  protected readonly deflate: DeflateChannel | undefined;
  /** The close frame is on the socket: nothing may follow it (§5.5.1). */
  private hasWrittenClose = false;
  /** send() returned false for messages waiting for zlib: 'drain' is owed once they have left. */
  private isAwaitingDrain = false;
  /**
   * The message being delivered and the bytes it arrived in (a binary message's data, a large
   * text's UTF-8: TextEvent), set by Connection while its listeners run: sent back then, it leaves
   * from those bytes, neither encoded again nor copied; in one view with its header when
   * `isDeliveringInPlace` (frameInPlace).
   */
  protected deliveringText: string | undefined;
  protected deliveringPayload: Buffer | undefined;
  protected isDeliveringInPlace = false;

  constructor(
    protected readonly socket: Duplex,
    protected readonly options: Options,
  ) {
    super();
    this.deflate = options.deflate && new DeflateChannel(options.deflate, options.maxMessageBytes, (run) => this.writeUncompressedRun(run));
    this.queue = new SendQueue(socket);
    this.counters = options.counters ?? newTrafficCounters();
  }

  /** §7.1.7, with the close code: a slow consumer, or our own fault while compressing. */
  protected abstract failConnection(code: number, reason: string): void;
  /** Our close frame left: the wait for the peer's answer starts now. */
  protected abstract armCloseTimer(): void;
  protected abstract emitDrain(): void;
  /** Our close frame waits behind compressions: stop reading the peer until it has left (InboundOrder.holdReading). */
  protected abstract holdReading(): void;
  protected abstract releaseReading(): void;
  protected abstract reportUnexpected(error: unknown): void;

  /**
   * Bytes sent but not yet handed to the kernel (backpressure: wait for 'drain'). A message
   * waiting for or under compression counts at its uncompressed frame size until it is written.
   */
  get bufferedAmount(): number {
    // A destroyed socket discards what it held: nothing is buffered any more.
    if (this.socket.destroyed) return 0;
    return this.queuedBytes;
  }

  /** What the outbound budget counts: the send queue's bytes and the compression backlog's. */
  private get queuedBytes(): number {
    return this.queue.bufferedAmount + (this.deflate?.compressionBacklogBytes ?? 0);
  }

  /**
   * Sends a text (string) or binary (Buffer) message. False when the connection is not open or its
   * socket is gone, when the message was dropped by the overflow policy, or when the caller should
   * wait for 'drain'. A Buffer may leave from its own bytes, after send() returned (the message being
   * delivered sent back, framed in place; any Buffer of 64 KiB or more): do not change it after sending.
   */
  send(data: string | Buffer): boolean {
    if (!this.canSend()) return false;
    if (typeof data === 'string') return this.deflate ? this.sendEncoded(encodeTextFrame(data), false) : this.sendText(data);
    if (data === this.deliveringPayload && !this.deflate) return this.sendDelivered(data, Opcode.Binary);
    if (data.length < COPY_THRESHOLD_BYTES || this.deflate) return this.sendEncoded(encodeFrame(data, { opcode: Opcode.Binary }), false);
    if (!this.admit(data.length + 10)) return false; // past 64 KiB the header is 10 bytes (§5.2)
    return this.enqueue(encodeFrameHeader(data.length, BINARY_FRAME), false, 1, data);
  }

  /**
   * Writes an already encoded frame, e.g. one broadcast frame shared by many connections.
   * With permessage-deflate, a frame past the threshold goes out compressed (shared between
   * connections when there is no context takeover).
   */
  sendFrame(frame: Buffer): boolean {
    return this.canSend() && this.sendEncoded(frame, true);
  }

  /** §5.5.2: a ping; the peer answers with a pong carrying the same payload. */
  ping(payload: Buffer = EMPTY): void {
    if (payload.length > 125) throw new RangeError('a ping payload is at most 125 bytes (RFC 6455 §5.5)');
    if (this.closeState === CloseState.Open) this.enqueue(encodeFrame(payload, { opcode: Opcode.Ping }), false, 0);
  }

  /** §5.5.3: a pong carrying the ping's payload, unless closing or the peer is not reading (see canPong). */
  protected pong(payload: Buffer): void {
    if (this.closeState === CloseState.Open && canPong(this.queue.bufferedAmount)) this.enqueue(encodeFrame(payload, { opcode: Opcode.Pong }), false, 0);
  }

  /** The send queue's backlog goes out first; then 'drain', unless that refilled the socket. */
  protected onSocketDrain(): void {
    this.queue.flush();
    this.emitDrainIfBelowHighWater();
  }

  /** Throws for a code that may not be sent, before anything changed. */
  protected sendClose(code: number, reason: string): void {
    // §5.5: a close reason is at most 123 bytes; ours are short, but never trust a caller's.
    const safeReason = Buffer.byteLength(reason) <= 123 ? reason : '';
    const frame = encodeClose(code, safeReason);
    this.sentCloseCode = code;
    // After the messages still being compressed, so in-flight replies go out first. The wait for
    // the peer's answer starts when our frame leaves, not while messages before it compress.
    const writeClose = (): void => {
      this.hasWrittenClose = true;
      this.enqueue(frame, false, 0);
      this.armCloseTimer();
    };
    if (!this.deflate?.outbound.isBusy) return writeClose();
    this.holdReading();
    this.deflate.queueOutbound(() => {
      writeClose();
      this.releaseReading();
    });
  }

  /**
   * Ends TCP after our close frame (§7.1.1) and the messages before it, which may still be
   * compressing. Ending at once made them writes after end: they were lost and the socket
   * destroyed, so the peer saw TCP end with no close frame, and a reset if it kept sending.
   */
  protected endAfterOutbound(): void {
    if (this.deflate?.outbound.isBusy) this.deflate.queueOutbound(() => this.queue.end());
    else this.queue.end();
  }

  /** After canSend(). `isShared`: other connections are sent the same frame, so a backlog keeps it rather than a copy each. */
  private sendEncoded(frame: Buffer, isShared: boolean): boolean {
    const { deflate } = this;
    const isCompressible = deflate?.shouldCompress(frame.length) ?? false;
    if (deflate && (isCompressible || deflate.outbound.isBusy)) {
      if (!this.admit(frame.length)) return false;
      // Nothing waits before a small message: compressed now, it leaves with this tick's other writes.
      const compressed = isCompressible && !deflate.outbound.isBusy ? this.compressNow(deflate, frame, isShared) : undefined;
      if (compressed) return this.enqueue(compressed, isShared, 1);
      deflate.enterCompressionBacklog(frame.length);
      if (isCompressible) deflate.queueOutbound(() => this.sendCompressible(deflate, frame, isShared));
      else deflate.queueUncompressed(frame, isShared);
      // The same answer as a plain send: false from the socket's high-water mark on.
      if (this.bufferedAmount < this.socket.writableHighWaterMark) return true;
      this.isAwaitingDrain = true;
      return false;
    }
    return this.admit(frame.length) && this.enqueue(frame, isShared, 1);
  }

  /**
   * Text without permessage-deflate: encoded straight into the send queue's batch, the other way in
   * (see enqueue); an echo of the large text being delivered is sent from the bytes it arrived in.
   */
  private sendText(text: string): boolean {
    // Equal strings are equal UTF-8: usually the same string, so === answers without reading it.
    if (text === this.deliveringText && this.deliveringPayload !== undefined) return this.sendDelivered(this.deliveringPayload, Opcode.Text);
    const payloadLength = Buffer.byteLength(text);
    const frameLength = frameHeaderBytes(payloadLength, false) + payloadLength;
    if (!this.admit(frameLength)) return false;
    this.countOut(1, frameLength);
    return this.queue.writeText(text, payloadLength);
  }

  /** The message being delivered, sent back (an echo) without permessage-deflate: from the bytes it arrived in, never copied. */
  private sendDelivered(payload: Buffer, opcode: Opcode.Text | Opcode.Binary): boolean {
    if (!this.admit(frameHeaderBytes(payload.length, false) + payload.length)) return false;
    if (this.isDeliveringInPlace) return this.enqueue(frameInPlace(payload, opcode), false, 1);
    return this.enqueue(encodeFrameHeader(payload.length, opcode === Opcode.Text ? TEXT_FRAME : BINARY_FRAME), false, 1, payload);
  }

  /**
   * The way encoded frames reach the send queue (sendText encodes into it); `messageCount` is 0 for
   * pings, pongs and close frames (never held back by the overflow policy), more than 1 for a run.
   * A large `payload` is written after its header without a copy.
   */
  private enqueue(frame: Buffer, isShared: boolean, messageCount: number, payload?: Buffer): boolean {
    if (payload === undefined) {
      this.countOut(messageCount, frame.length);
      return this.queue.write(frame, isShared);
    }
    this.countOut(messageCount, frame.length + payload.length);
    return this.queue.writeParts(frame, payload);
  }

  /** Every frame handed to the send queue is counted here, once. */
  private countOut(messageCount: number, frameBytes: number): void {
    this.counters.messagesOut += messageCount;
    this.counters.bytesOut += frameBytes;
  }

  /** The outbound budget's answer: false for a message dropped, or refused because the connection fails with 1008. */
  private admit(frameBytes: number): boolean {
    const answer = admitOutbound(this.queuedBytes, frameBytes, this.options, this.counters);
    if (answer === BudgetAnswer.Send) return true;
    if (answer === BudgetAnswer.Close) this.failConnection(CloseCode.PolicyViolation, 'slow consumer');
    return false;
  }

  private async sendCompressible(deflate: DeflateChannel, frame: Buffer, isShared: boolean): Promise<void> {
    try {
      await this.compressThenWrite(deflate, frame, isShared);
    } finally {
      this.leaveCompressionBacklog(deflate, frame.length);
    }
  }

  /** DeflateChannel.compressNow; zlib failing (it should not) fails the connection with 1011, and the frame is dropped in its turn. */
  private compressNow(deflate: DeflateChannel, frame: Buffer, isShared: boolean): Buffer | undefined {
    try {
      return deflate.compressNow(frame, isShared);
    } catch (error) {
      this.reportUnexpected(error);
      this.failConnection(CloseCode.InternalError, '');
      return undefined;
    }
  }

  /** RFC 7692 §6: a compressed message is one frame with RSV1 set; small ones go out as they are. */
  private async compressThenWrite(deflate: DeflateChannel, frame: Buffer, isShared: boolean): Promise<void> {
    if (!this.canWriteQueued()) return;
    if (!deflate.shouldCompress(framePayloadOf(frame).payload.length)) return void this.writeQueued(frame, isShared);
    let compressed: Buffer;
    try {
      compressed = await deflate.compress(frame, isShared);
    } catch (error) {
      this.reportUnexpected(error);
      return this.failConnection(CloseCode.InternalError, '');
    }
    // Without context takeover a shared frame's compressed form is shared too (shared-compressor.ts).
    this.writeQueued(compressed, isShared && deflate.params.serverNoContextTakeover);
  }

  /** Frames that waited behind zlib work, copied together: written as they are. */
  private writeUncompressedRun({ frames, messageCount }: UncompressedRun): void {
    const { byteLength } = frames;
    if (this.canWriteQueued()) {
      this.countOut(messageCount, 0); // its bytes are counted chunk by chunk
      // Its chunks are copied together already, or shared frames: the send queue keeps them as they are.
      frames.writeTo((bytes) => this.enqueue(bytes, true, 0));
    }
    this.leaveCompressionBacklog(this.deflate!, byteLength);
  }

  /**
   * A frame from the outbound queue: written unless our close frame already left. It was admitted
   * (against maxBufferedBytes) when it was queued, so it is not judged a second time here.
   */
  private writeQueued(frame: Buffer, isShared: boolean): void {
    if (this.canWriteQueued()) this.enqueue(frame, isShared, 1);
  }

  /** Queued messages left the compression backlog (written or dropped): 'drain' may follow. */
  private leaveCompressionBacklog(deflate: DeflateChannel, byteLength: number): void {
    deflate.leaveCompressionBacklog(byteLength);
    if (this.isAwaitingDrain) this.emitDrainIfBelowHighWater();
  }

  /** 'drain' once what is buffered, compression backlog included, is below the socket's high-water mark. */
  private emitDrainIfBelowHighWater(): void {
    if (this.bufferedAmount >= this.socket.writableHighWaterMark) return;
    this.isAwaitingDrain = false;
    this.emitDrain();
  }

  /**
   * Open, and the socket not destroyed: messages read before a reset are still delivered (they wait
   * for the socket's close in stream order), but a reply to one can never leave.
   */
  private canSend(): boolean {
    return this.closeState === CloseState.Open && !this.socket.destroyed;
  }

  /** Sent before close() still goes out: the close frame waits behind it in the same queue. */
  private canWriteQueued(): boolean {
    return !this.hasWrittenClose && this.closeState !== CloseState.Closed;
  }
}
