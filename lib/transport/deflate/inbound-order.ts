import { Duplex } from 'node:stream';
import { InboundEvent } from '../../protocol/inbound-event';
import { SerialQueue } from './serial-queue';

/** Inbound messages waiting for zlib before the socket stops being read. */
const INBOUND_BACKLOG_MESSAGES = 16;
/** A read is parsed this much at a time (see read). */
const INBOUND_SLICE_BYTES = 4 * 1024;

/**
 * Stream order with permessage-deflate inbound (RFC 6455 §5.4: messages arrive in order): a
 * compressed message inflates asynchronously, so it and every event, FIN and socket close read
 * after it wait their turn in one queue; and a peer that sends faster than zlib keeps up is not
 * read from until the backlog shrinks, so its messages wait in the kernel, not our heap.
 */
export class InboundOrder {
  /** The rest of a read, left unparsed while the inflate backlog is full or reading is held. */
  private unparsedRead: Buffer | undefined;
  /** Our close frame waits behind compressions: the peer is not read until it has left (see holdReading). */
  private isHeld = false;

  constructor(
    private readonly socket: Duplex,
    private readonly queue: SerialQueue,
    /** Parses bytes and hands each event to the connection, which asks mustWait. */
    private readonly parse: (bytes: Buffer) => void,
    /** One event in its turn: a compressed message is inflated, then delivered. */
    private readonly handleInTurn: (event: InboundEvent) => void | Promise<void>,
  ) {}

  /**
   * A read, parsed a slice at a time: once the inflate backlog is full, the rest waits unparsed
   * (a view, no copy) and the socket is paused. A read of thousands of tiny compressed messages
   * queued whole cost ~250 B each, 35 times the read.
   */
  read(bytes: Buffer): void {
    for (let at = 0; at < bytes.length; at += INBOUND_SLICE_BYTES) {
      if (this.isHeld || this.queue.size >= INBOUND_BACKLOG_MESSAGES) {
        this.unparsedRead = bytes.subarray(at);
        this.socket.pause();
        return;
      }
      this.parse(bytes.subarray(at, at + INBOUND_SLICE_BYTES));
    }
  }

  /** The socket ended or closed: what it read before is parsed now, whatever the backlog, to stay in order. */
  parseUnparsedRead(): void {
    const rest = this.unparsedRead;
    if (rest === undefined) return;
    this.unparsedRead = undefined;
    this.parse(rest);
  }

  /** Anything read after a message still waiting for the thread pool must queue behind it. */
  mustWait(): boolean {
    return this.queue.isBusy;
  }

  enqueue(event: InboundEvent): void {
    if (this.queue.size >= INBOUND_BACKLOG_MESSAGES) this.socket.pause();
    this.queue.push(async () => {
      const inflation = this.handleInTurn(event);
      if (inflation) await inflation; // no extra turn for an event that is not inflated
      // Whatever the state: a closing connection must still read the peer's close frame and FIN.
      if (!this.isHeld && this.queue.size <= INBOUND_BACKLOG_MESSAGES / 2 && this.socket.isPaused()) this.resumeReading();
    });
  }

  /**
   * From our close frame until it leaves (it waits behind the messages still compressing), nothing
   * the peer sends can be delivered (§7.1.2, §7.1.7): its bytes wait in the kernel, and TCP slows it
   * down. Read and discarded, a flood went on at full speed, its parsing slowing the compressions
   * further: a peer pipelining 512 KiB messages had all 150 MiB taken before the 1008 left.
   */
  holdReading(): void {
    this.isHeld = true;
    this.socket.pause();
  }

  /** Our close frame has left: the peer's close frame and FIN are read again (unless the inflate backlog is still full). */
  releaseReading(): void {
    this.isHeld = false;
    if (this.queue.size <= INBOUND_BACKLOG_MESSAGES / 2) this.resumeReading();
  }

  /**
   * The peer's FIN and the socket's close come after every byte read before them: with messages
   * still inflating, they wait their turn, so the messages are delivered and a close frame answered.
   */
  inStreamOrder(step: () => void): void {
    if (this.queue.isBusy) this.queue.push(step);
    else step();
  }

  /** The inflate backlog has room again: the rest of the last read first, then the socket. */
  private resumeReading(): void {
    const rest = this.unparsedRead;
    this.unparsedRead = undefined;
    if (rest) this.read(rest);
    if (this.unparsedRead === undefined) this.socket.resume();
  }
}
