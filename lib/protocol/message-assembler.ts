import { CloseCode } from './close-code';
import { InboundEvent } from './inbound-event';
import { Opcode } from './opcode';
import { ProtocolError } from './protocol-error';
import { Utf8Validator } from './utf8-validator';

/**
 * Collects the payload pieces of one data message (§5.4 fragmentation). Pieces are kept as
 * views and joined once, when the final fragment ends; text is validated as it arrives.
 */
export class MessageAssembler {
  private pieces: Buffer[] = [];
  private opcode: Opcode.Text | Opcode.Binary | undefined;
  private isCompressed = false;
  private readonly utf8 = new Utf8Validator();
  /** Payload bytes of the message so far, for the size limit. */
  totalBytes = 0;

  /** A compressed message may be a little larger on the wire than inflated (incompressible data). */
  private readonly maxCompressedBytes: number;

  constructor(private readonly maxMessageBytes: number) {
    this.maxCompressedBytes = maxMessageBytes + (maxMessageBytes >>> 10) + 64;
  }

  get isAssembling(): boolean {
    return this.opcode !== undefined;
  }

  start(opcode: Opcode.Text | Opcode.Binary, isCompressed: boolean): void {
    this.opcode = opcode;
    this.isCompressed = isCompressed;
  }

  /** Checked from the frame header, before its payload is buffered. */
  checkFrameLength(payloadLength: number): ProtocolError | undefined {
    if (this.totalBytes + payloadLength <= (this.isCompressed ? this.maxCompressedBytes : this.maxMessageBytes)) return undefined;
    return new ProtocolError(
      CloseCode.MessageTooBig,
      'MESSAGE_TOO_BIG',
      `message exceeds the limit of ${this.maxMessageBytes} bytes`,
    );
  }

  append(piece: Buffer): ProtocolError | undefined {
    this.pieces.push(piece);
    this.totalBytes += piece.length;
    // Compressed text is validated once inflated (by the transport).
    if (this.opcode === Opcode.Text && !this.isCompressed && !this.utf8.write(piece)) return invalidUtf8();
    return undefined;
  }

  /** The final fragment ended: the message, or a failure when the text stops inside a code point. */
  finish(): InboundEvent {
    const data = this.pieces.length === 1 ? this.pieces[0] : Buffer.concat(this.pieces, this.totalBytes);
    const isText = this.opcode === Opcode.Text;
    const isCompressed = this.isCompressed;
    const isCompleteUtf8 = !isText || isCompressed || this.utf8.end();
    this.pieces = [];
    this.totalBytes = 0;
    this.opcode = undefined;
    this.isCompressed = false;
    if (isCompressed) return { kind: 'compressed', isText, data };
    if (!isCompleteUtf8) return { kind: 'failed', error: invalidUtf8() };
    return isText ? { kind: 'text', text: data.toString('utf8') } : { kind: 'binary', data };
  }
}

const invalidUtf8 = (): ProtocolError =>
  new ProtocolError(CloseCode.InvalidPayload, 'INVALID_UTF8', 'text message is not valid UTF-8');
