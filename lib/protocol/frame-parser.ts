import { isAscii, isUtf8 } from 'node:buffer';
import { ByteQueue } from './byte-queue';
import { parseClosePayload } from './close-payload';
import { CloseCode } from './close-code';
import { InboundEvent, textEvent } from './inbound-event';
import { applyMaskKey, unmaskRange } from './masking';
import { MessageAssembler } from './message-assembler';
import { isControl, isKnownOpcode, Opcode } from './opcode';
import { ProtocolError, ProtocolErrorCode } from './protocol-error';

export interface FrameParserOptions {
  /** A server requires masked frames, a client requires unmasked ones (§5.1). */
  role: 'server' | 'client';
  /** Largest message payload, checked against each frame header before the payload arrives (1009). */
  maxMessageBytes: number;
  /** permessage-deflate was negotiated: RSV1 may mark the first frame of a message (RFC 7692 §6). */
  isDeflateNegotiated?: boolean;
  /** Frames one message may take (1008 above it); unlimited by default. */
  maxFragmentsPerMessage?: number;
}

const enum ReadState { Header, Length16, Length64, MaskKey, Payload, Discarding }

const NOTHING: readonly InboundEvent[] = Object.freeze([]);

/** §5.2 first header byte of a single-frame text or binary message without RSV bits: the fast path's frames. */
const isWholeDataFrameStart = (b0: number): boolean => b0 === 0x80 + Opcode.Text || b0 === 0x80 + Opcode.Binary;

/** Up to this size, a text payload is unmasked and scanned for ASCII in JS; past it, word-wise unmasking and isUtf8 win. */
const ASCII_SCAN_MAX_BYTES = 256;

/**
 * Incremental RFC 6455 §5 parser: feed it any chunking of the bytes a peer sends and it
 * yields the same messages, control frames and failures.
 *
 * push() takes ownership of the chunk: masked payloads are unmasked in place.
 *
 * Header ─len 126→ Length16 ─┐
 *        ─len 127→ Length64 ─┼→ MaskKey → Payload → Header …
 *        ─len ≤ 125 ─────────┘
 * A close frame or a failure → Discarding: later bytes are dropped (§5.5.1, §7.1.7).
 */
export class FrameParser {
  private readonly queue = new ByteQueue();
  private readonly assembler: MessageAssembler;
  private readonly requiresMask: boolean;
  private readonly isDeflateNegotiated: boolean;
  private readonly maxMessageBytes: number;
  private state = ReadState.Header;
  // The frame being read.
  private fin = false;
  private opcode = 0;
  private isMasked = false;
  private isRsv1 = false;
  private payloadLength = 0;
  private payloadRemaining = 0;
  /** The 4 mask-key bytes as one big-endian number (§5.3). */
  private maskKey = 0;
  private maskOffset = 0;
  /** The frame's pieces go to the assembler still masked, unmasked once when it joins them (keepMasked). */
  private isKeptMasked = false;
  private controlPieces: Buffer[] = [];

  constructor(options: FrameParserOptions) {
    this.requiresMask = options.role === 'server';
    this.isDeflateNegotiated = options.isDeflateNegotiated ?? false;
    this.maxMessageBytes = options.maxMessageBytes;
    this.assembler = new MessageAssembler(options.maxMessageBytes, options.maxFragmentsPerMessage);
  }

  /** True once a close frame or a failure was read; nothing more will be parsed. */
  get isDone(): boolean {
    return this.state === ReadState.Discarding;
  }

  push(chunk: Buffer): readonly InboundEvent[] {
    if (this.state === ReadState.Discarding) return NOTHING;
    const events = this.parse(chunk);
    // What a message still being assembled keeps of this read must not pin the whole read chunk.
    if (this.assembler.isAssembling) this.assembler.endRead();
    return events;
  }

  private parse(chunk: Buffer): InboundEvent[] {
    const events: InboundEvent[] = [];
    // Between messages only: a fragmented message in progress is the state machine's (§5.4).
    const isBetweenMessages = this.state === ReadState.Header && this.queue.length === 0 && !this.assembler.isAssembling;
    const consumed = isBetweenMessages ? this.readWholeMessages(chunk, 0, events) : 0;
    if (consumed === chunk.length || this.isDone) return events;
    this.queue.push(consumed === 0 ? chunk : chunk.subarray(consumed));
    for (;;) {
      switch (this.state) {
        case ReadState.Header:
          if (this.queue.length < 2 || this.readWholeMessagesQueued(events) || !this.readHeader(events)) return events;
          break;
        case ReadState.Length16:
          if (this.queue.length < 2 || !this.readLength16(events)) return events;
          break;
        case ReadState.Length64:
          if (this.queue.length < 8 || !this.readLength64(events)) return events;
          break;
        case ReadState.MaskKey:
          if (this.queue.length < 4) return events;
          this.maskKey = this.readUInt32(0);
          this.queue.skip(4);
          if (!this.startPayload(events)) return events;
          break;
        case ReadState.Payload:
          if (!this.readPayload(events)) return events;
          break;
        default:
          return events; // Discarding: every reader that got here returned false first
      }
    }
  }

  /**
   * The common case, read straight from the chunk: whole single-frame text or binary messages
   * (FIN, no RSV bit, 7- or 16-bit length). Stops at the first frame that is anything else
   * (control, fragment, compressed, split across chunks, too long, malformed) and leaves it to
   * the state machine. Reads from `start`; returns where it stopped.
   */
  private readWholeMessages(chunk: Buffer, start: number, events: InboundEvent[]): number {
    const maskBytes = this.requiresMask ? 4 : 0;
    let at = start;
    while (chunk.length - at >= 2 + maskBytes) {
      const b0 = chunk[at];
      const b1 = chunk[at + 1];
      const opcode = b0 & 0x0f;
      // §5.2 FIN set, RSV clear, a data opcode; §5.1 masked as the role requires.
      if ((b0 & 0xf0) !== 0x80 || (opcode !== Opcode.Text && opcode !== Opcode.Binary) || (b1 & 0x80) !== maskBytes << 5) break;
      let length = b1 & 0x7f;
      let payloadStart = at + 2 + maskBytes;
      if (length === 126) {
        if (chunk.length - at < 4 + maskBytes) break;
        length = (chunk[at + 2] << 8) | chunk[at + 3];
        if (length < 126) break; // §5.2 minimal length: the state machine fails it
        payloadStart += 2;
      } else if (length === 127) break;
      if (chunk.length - payloadStart < length || length > this.maxMessageBytes) break;
      const key = maskBytes > 0 ? chunk.readUInt32BE(payloadStart - 4) : 0;
      at = payloadStart + length;
      // Short text is unmasked and checked for ASCII in one pass: ASCII needs no view and no validator.
      const isShortText = opcode === Opcode.Text && length <= ASCII_SCAN_MAX_BYTES;
      if (isShortText && unmaskRange(chunk, payloadStart, at, key) < 0x80) {
        events.push({ kind: 'text', text: chunk.toString('latin1', payloadStart, at), utf8: undefined, isInPlace: undefined });
        continue;
      }
      const payload = chunk.subarray(payloadStart, at);
      if (!isShortText && maskBytes > 0) applyMaskKey(payload, key);
      // In place: the header before the payload is read, so a reply can be framed over it (BinaryEvent).
      if (opcode === Opcode.Binary) events.push({ kind: 'binary', data: payload, isInPlace: true });
      // §8.1: a text message is valid UTF-8; else 1007. ASCII first: the cheaper scan, and a cheaper decode.
      else if (isAscii(payload)) events.push(textEvent(payload, true, true));
      else if (isUtf8(payload)) events.push(textEvent(payload, false, true));
      else {
        this.fail(events, 'INVALID_UTF8', 'text message is not valid UTF-8', CloseCode.InvalidPayload);
        return chunk.length; // the rest is discarded
      }
    }
    return at;
  }

  /**
   * Back between messages after a frame that spanned two reads, the rest of the read takes the
   * fast path again (with 4 KiB messages most reads start inside one). Returns true when parsing must stop.
   */
  private readWholeMessagesQueued(events: InboundEvent[]): boolean {
    // A flood of control frames passes here once per frame: it costs one byte read, no view.
    if (this.assembler.isAssembling || !isWholeDataFrameStart(this.queue.byteAt(0))) return false;
    const chunk = this.queue.soleChunk();
    if (chunk === undefined) return false;
    const start = this.queue.headOffset;
    const end = this.readWholeMessages(chunk, start, events);
    if (this.isDone) return true;
    this.queue.skip(end - start);
    return this.queue.length < 2;
  }

  /** Each reader returns false when it must stop: it needs more bytes or the parser is done. */
  private readHeader(events: InboundEvent[]): boolean {
    const b0 = this.queue.byteAt(0);
    const b1 = this.queue.byteAt(1);
    this.queue.skip(2);
    this.fin = (b0 & 0x80) !== 0;
    this.opcode = b0 & 0x0f;
    this.isMasked = (b1 & 0x80) !== 0;
    this.isRsv1 = (b0 & 0x40) !== 0;
    const length7 = b1 & 0x7f;

    // §5.2: RSV1-3 MUST be 0 unless an extension defines them. RFC 7692 §6 defines RSV1, on the
    // first frame of a data message only (not on continuations or control frames).
    if ((b0 & 0x30) !== 0 || (this.isRsv1 && !this.isDeflateNegotiated)) {
      return this.fail(events, 'RESERVED_BITS', 'reserved bits set without a negotiated extension');
    }
    if (this.isRsv1 && (isControl(this.opcode) || this.opcode === Opcode.Continuation)) {
      return this.fail(events, 'RESERVED_BITS', 'RSV1 set on a control or continuation frame');
    }
    if (!isKnownOpcode(this.opcode)) return this.fail(events, 'UNKNOWN_OPCODE', `reserved opcode 0x${this.opcode.toString(16)}`);
    if (isControl(this.opcode)) {
      // §5.5: control frames carry at most 125 bytes and are never fragmented.
      if (!this.fin || length7 > 125) return this.fail(events, 'CONTROL_FRAME_INVALID', 'control frame fragmented or longer than 125 bytes');
    } else if (this.opcode === Opcode.Continuation) {
      // §5.4: a continuation frame belongs to a message that was started.
      if (!this.assembler.isAssembling) return this.fail(events, 'UNEXPECTED_CONTINUATION', 'continuation frame without a message to continue');
    } else if (this.assembler.isAssembling) {
      // §5.4: fragments of one message are not interleaved with another data message.
      return this.fail(events, 'EXPECTED_CONTINUATION', 'new data frame while a fragmented message is incomplete');
    }
    // §5.1: a client masks every frame; a server masks none.
    if (this.isMasked !== this.requiresMask) {
      return this.requiresMask
        ? this.fail(events, 'UNMASKED_FRAME', 'client frame is not masked')
        : this.fail(events, 'MASKED_FRAME', 'server frame is masked');
    }
    if (length7 === 126) this.state = ReadState.Length16;
    else if (length7 === 127) this.state = ReadState.Length64;
    else return this.afterLength(events, length7);
    return true;
  }

  private readLength16(events: InboundEvent[]): boolean {
    const length = (this.queue.byteAt(0) << 8) | this.queue.byteAt(1);
    this.queue.skip(2);
    // §5.2: "the minimal number of bytes MUST be used to encode the length".
    if (length < 126) return this.fail(events, 'NON_MINIMAL_LENGTH', '16-bit length used for a payload under 126 bytes');
    return this.afterLength(events, length);
  }

  private readLength64(events: InboundEvent[]): boolean {
    const high = this.readUInt32(0);
    const low = this.readUInt32(4);
    this.queue.skip(8);
    // §5.2: the most significant bit of a 64-bit length MUST be 0.
    if (high >= 0x80000000) return this.fail(events, 'LENGTH_TOO_LARGE', '64-bit length has its most significant bit set');
    if (high === 0 && low <= 0xffff) return this.fail(events, 'NON_MINIMAL_LENGTH', '64-bit length used for a payload under 65536 bytes');
    // Past 2^53 the number is inexact, but any such length is far over every limit anyway.
    return this.afterLength(events, high * 0x100000000 + low);
  }

  private afterLength(events: InboundEvent[], payloadLength: number): boolean {
    if (!isControl(this.opcode)) {
      if (this.opcode !== Opcode.Continuation) this.assembler.start(this.opcode as Opcode.Text | Opcode.Binary, this.isRsv1);
      const tooBig = this.assembler.checkFrameLength(payloadLength);
      if (tooBig) return this.failWith(events, tooBig);
    }
    this.payloadLength = payloadLength;
    if (this.isMasked) {
      this.state = ReadState.MaskKey;
      return true;
    }
    return this.startPayload(events);
  }

  private startPayload(events: InboundEvent[]): boolean {
    this.payloadRemaining = this.payloadLength;
    this.maskOffset = 0;
    // A single-frame binary or compressed message: no validation needs its bytes before they are joined.
    this.isKeptMasked = this.isMasked && this.fin && (this.opcode === Opcode.Binary || (this.opcode === Opcode.Text && this.isRsv1));
    if (this.isKeptMasked) this.assembler.keepMasked(this.maskKey, this.payloadLength);
    this.state = ReadState.Payload;
    if (this.payloadLength === 0) return this.endFrame(events);
    return true;
  }

  private readPayload(events: InboundEvent[]): boolean {
    while (this.payloadRemaining > 0) {
      if (this.queue.length === 0) return false;
      const piece = this.queue.takeUpTo(this.payloadRemaining);
      if (this.isMasked && !this.isKeptMasked) applyMaskKey(piece, this.maskKey, this.maskOffset);
      this.maskOffset += piece.length;
      this.payloadRemaining -= piece.length;
      if (isControl(this.opcode)) {
        this.controlPieces.push(piece);
      } else {
        const error = this.assembler.append(piece);
        if (error) return this.failWith(events, error);
      }
    }
    return this.endFrame(events);
  }

  private endFrame(events: InboundEvent[]): boolean {
    this.state = ReadState.Header;
    if (!isControl(this.opcode)) {
      if (!this.fin) return true;
      const message = this.assembler.finish();
      if (message.kind === 'failed') return this.failWith(events, message.error);
      events.push(message);
      return true;
    }
    const payload = this.controlPieces.length === 1 ? this.controlPieces[0] : Buffer.concat(this.controlPieces);
    this.controlPieces = [];
    if (this.opcode === Opcode.Ping) events.push({ kind: 'ping', payload });
    else if (this.opcode === Opcode.Pong) events.push({ kind: 'pong', payload });
    else return this.readClose(events, payload);
    return true;
  }

  private readClose(events: InboundEvent[], payload: Buffer): boolean {
    let close;
    try {
      close = parseClosePayload(payload);
    } catch (error) {
      if (error instanceof ProtocolError) return this.failWith(events, error);
      throw error;
    }
    events.push({ kind: 'close', code: close.code, reason: close.reason });
    this.discard();
    return false;
  }

  /** Big-endian, from the unconsumed bytes at `index`. */
  private readUInt32(index: number): number {
    const { queue } = this;
    return ((queue.byteAt(index) << 24) | (queue.byteAt(index + 1) << 16) | (queue.byteAt(index + 2) << 8) | queue.byteAt(index + 3)) >>> 0;
  }

  private fail(events: InboundEvent[], code: ProtocolErrorCode, message: string, closeCode: CloseCode = CloseCode.ProtocolError): boolean {
    return this.failWith(events, new ProtocolError(closeCode, code, message));
  }

  private failWith(events: InboundEvent[], error: ProtocolError): boolean {
    events.push({ kind: 'failed', error });
    this.discard();
    return false;
  }

  private discard(): void {
    this.state = ReadState.Discarding;
    this.queue.clear();
    this.controlPieces = [];
  }
}
