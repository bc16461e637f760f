import { CloseCode } from './close-code';
import { InboundEvent, textEvent } from './inbound-event';
import { unmaskInto, unmaskJoined } from './masking';
import { Opcode } from './opcode';
import { ProtocolError } from './protocol-error';
import { Utf8Validator } from './utf8-validator';

/** Pieces smaller than this are copied together instead of kept as views (see append). */
const SMALL_PIECE_BYTES = 1024;
const SCRATCH_BYTES = 16 * 1024;

/**
 * Collects the payload pieces of one data message (§5.4 fragmentation). Pieces are kept as
 * views and joined once, when the final fragment ends; text is validated as it arrives.
 */
export class MessageAssembler {
  private pieces: Buffer[] = [];
  /** Indexes in `pieces` of the views appended during the current read (see endRead). */
  private readonly viewsOfRead: number[] = [];
  /** Where small pieces are gathered, so tiny frames or TCP segments cost bytes, not objects. */
  private scratch: Buffer | undefined;
  private scratchUsed = 0;
  private frameCount = 0;
  private opcode: Opcode.Text | Opcode.Binary | undefined;
  private isCompressed = false;
  /** §5.3 key of a message whose pieces arrive still masked (see keepMasked); undefined when they arrive unmasked. */
  private maskKey: number | undefined;
  /** Payload length of the kept-masked frame (keepMasked). */
  private maskedFrameBytes = 0;
  /**
   * The kept-masked frame's payload, allocated once half of it has arrived: each later piece is
   * unmasked straight into it, so the reads it came in are not held until the frame ends (see append).
   */
  private payload: Buffer | undefined;
  private readonly utf8 = new Utf8Validator();
  /** Payload bytes of the message so far, for the size limit. */
  totalBytes = 0;

  /**
   * A compressed message may be larger on the wire than inflated: incompressible data, and a
   * sync flush per fragment when a client streams it. Inflation is bounded by the real limit.
   */
  private readonly maxCompressedBytes: number;

  constructor(
    private readonly maxMessageBytes: number,
    /** Frames one message may take; a flood of tiny fragments is refused with 1008. */
    private readonly maxFragments = Infinity,
  ) {
    this.maxCompressedBytes = maxMessageBytes + (maxMessageBytes >>> 6) + 1024;
  }

  get isAssembling(): boolean {
    return this.opcode !== undefined;
  }

  start(opcode: Opcode.Text | Opcode.Binary, isCompressed: boolean): void {
    this.opcode = opcode;
    this.isCompressed = isCompressed;
  }

  /**
   * The message is this one masked frame, binary or compressed: its pieces are appended as they
   * arrived and unmasked once, straight into the joined message (finish). Text that is not
   * compressed is not kept masked: it is validated piece by piece, to fail fast (§8.1).
   */
  keepMasked(key: number, payloadLength: number): void {
    this.maskKey = key;
    this.maskedFrameBytes = payloadLength;
  }

  /** Checked from each frame header, before its payload is buffered: fragment count, then size. */
  checkFrameLength(payloadLength: number): ProtocolError | undefined {
    if (++this.frameCount > this.maxFragments) {
      return new ProtocolError(CloseCode.PolicyViolation, 'TOO_MANY_FRAGMENTS', `message takes more than ${this.maxFragments} frames`);
    }
    if (this.totalBytes + payloadLength <= (this.isCompressed ? this.maxCompressedBytes : this.maxMessageBytes)) return undefined;
    return new ProtocolError(
      CloseCode.MessageTooBig,
      'MESSAGE_TOO_BIG',
      `message exceeds the limit of ${this.maxMessageBytes} bytes`,
    );
  }

  append(piece: Buffer): ProtocolError | undefined {
    const key = this.maskKey;
    if (key !== undefined && this.payload !== undefined) {
      this.totalBytes += unmaskInto(piece, key, this.totalBytes, this.payload);
      return undefined; // binary or compressed: nothing to validate yet
    }
    // The first piece stays a view (the common case: a whole message in one chunk); small
    // pieces after it are copied together, so overhead stays bounded however the bytes arrive.
    if (piece.length < SMALL_PIECE_BYTES && (this.pieces.length > 0 || this.scratchUsed > 0)) this.gather(piece);
    else {
      this.flushScratch();
      this.viewsOfRead.push(this.pieces.length);
      this.pieces.push(piece);
    }
    this.totalBytes += piece.length;
    // A kept-masked frame that spans reads gets its payload buffer once half of it has arrived, not
    // from the header: a peer that declares a large frame and stalls holds at most twice what it sent.
    if (key !== undefined && this.totalBytes < this.maskedFrameBytes && this.totalBytes * 2 >= this.maskedFrameBytes) this.startPayload(key);
    // Compressed text is validated once inflated (by the transport).
    if (this.opcode === Opcode.Text && !this.isCompressed && !this.utf8.write(piece)) return invalidUtf8();
    return undefined;
  }

  /**
   * The read that the views appended since the last call point into ends while the message goes on.
   * A view holds its whole read chunk until the message ends: one that is mostly other frames (a 1 KiB
   * fragment among 63 KiB of pongs held 64 times the bytes counted) is copied now, so a message holds
   * at most twice its bytes. A message that ends within its read is never copied.
   */
  endRead(): void {
    for (const index of this.viewsOfRead) {
      const piece = this.pieces[index];
      if (piece.length * 2 < piece.buffer.byteLength) this.pieces[index] = Buffer.from(piece);
    }
    this.viewsOfRead.length = 0;
  }

  /** The final fragment ended: the message, or a failure when the text stops inside a code point. */
  finish(): InboundEvent {
    this.flushScratch();
    this.scratch = undefined;
    this.frameCount = 0;
    const data =
      this.payload ??
      (this.maskKey !== undefined
        ? unmaskJoined(this.pieces, this.totalBytes, this.maskKey)
        : this.pieces.length === 1
          ? this.pieces[0]
          : Buffer.concat(this.pieces, this.totalBytes));
    this.maskKey = undefined;
    this.payload = undefined;
    const isText = this.opcode === Opcode.Text;
    const isCompressed = this.isCompressed;
    const isAscii = this.utf8.isAscii;
    const isCompleteUtf8 = !isText || isCompressed || this.utf8.end();
    this.pieces.length = 0;
    this.viewsOfRead.length = 0;
    this.totalBytes = 0;
    this.opcode = undefined;
    this.isCompressed = false;
    if (isCompressed) return { kind: 'compressed', isText, data };
    if (!isCompleteUtf8) return { kind: 'failed', error: invalidUtf8() };
    return isText ? textEvent(data, isAscii) : { kind: 'binary', data, isInPlace: undefined };
  }

  /** The pieces so far unmasked into the frame's payload buffer, which takes the rest as it arrives. */
  private startPayload(key: number): void {
    this.flushScratch();
    this.scratch = undefined;
    const payload = Buffer.allocUnsafe(this.maskedFrameBytes);
    let at = 0;
    for (const piece of this.pieces) at += unmaskInto(piece, key, at, payload);
    this.pieces.length = 0;
    this.viewsOfRead.length = 0;
    this.payload = payload;
  }

  private gather(piece: Buffer): void {
    if (this.scratch && this.scratchUsed + piece.length > this.scratch.length) this.flushScratch();
    // Sized to the message so far (twice it, from 1 KiB), so a peer that sends a byte per read and
    // stalls does not make each connection hold 16 KiB; a flood of small pieces still fills few buffers.
    this.scratch ??= Buffer.allocUnsafe(Math.min(SCRATCH_BYTES, Math.max(SMALL_PIECE_BYTES, 2 * (this.totalBytes + piece.length))));
    this.scratchUsed += piece.copy(this.scratch, this.scratchUsed);
  }

  private flushScratch(): void {
    if (!this.scratch || this.scratchUsed === 0) return;
    this.pieces.push(this.scratch.subarray(0, this.scratchUsed));
    // The next small pieces continue in the rest of the same allocation.
    this.scratch = this.scratch.length - this.scratchUsed >= SMALL_PIECE_BYTES ? this.scratch.subarray(this.scratchUsed) : undefined;
    this.scratchUsed = 0;
  }
}

/** §8.1: a text message that is not UTF-8; also thrown for one that inflates to invalid UTF-8 (message-inflater.ts). */
export const invalidUtf8 = (): ProtocolError =>
  new ProtocolError(CloseCode.InvalidPayload, 'INVALID_UTF8', 'text message is not valid UTF-8');
