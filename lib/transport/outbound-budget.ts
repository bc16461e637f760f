import { SendQueue } from './send-queue';
import { TrafficCounters } from './traffic-counters';

/** What a send may do with its message. */
export enum BudgetAnswer {
  Send,
  /** The 'drop' overflow policy: this message is discarded, the connection stays. */
  Drop,
  /** The 'close' overflow policy: the connection fails with 1008. */
  Close,
}

/** Outbound bytes past which pongs are skipped: a ping flood from a peer that does not read. */
const PONG_BACKLOG_BYTES = 64 * 1024;

/**
 * The outbound budget of one connection (DESIGN.md defaults: maxBufferedBytes, then close 1008 or
 * drop). Plain and compressed sends ask it the same question: a message waiting for or under
 * compression counts at its uncompressed frame size until it is written.
 */
export class OutboundBudget {
  private compressionBacklogBytes = 0;

  constructor(
    private readonly queue: SendQueue,
    private readonly maxBufferedBytes: number,
    private readonly onBufferOverflow: 'close' | 'drop',
    private readonly counters: TrafficCounters,
  ) {}

  /** Bytes sent and not yet handed to the kernel, compression backlog included. */
  get bufferedBytes(): number {
    return this.queue.bufferedAmount + this.compressionBacklogBytes;
  }

  /**
   * An empty queue always takes the message, so one message larger than the limit still reaches
   * a consumer that keeps up. Past the limit the answer is counted, as a drop or a slow-consumer close.
   */
  admit(frameBytes: number): BudgetAnswer {
    const queuedBytes = this.bufferedBytes;
    if (queuedBytes === 0 || queuedBytes + frameBytes <= this.maxBufferedBytes) return BudgetAnswer.Send;
    if (this.onBufferOverflow === 'drop') {
      this.counters.droppedOverflow++;
      return BudgetAnswer.Drop;
    }
    this.counters.slowConsumerCloses++;
    return BudgetAnswer.Close;
  }

  /** A peer that pings but does not read gets no more pongs once they back up: they cannot grow our heap. */
  canPong(): boolean {
    return this.queue.bufferedAmount < PONG_BACKLOG_BYTES;
  }

  enterCompressionBacklog(frameBytes: number): void {
    this.compressionBacklogBytes += frameBytes;
  }

  leaveCompressionBacklog(frameBytes: number): void {
    this.compressionBacklogBytes -= frameBytes;
  }
}
