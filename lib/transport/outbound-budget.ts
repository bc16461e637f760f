import { TrafficCounters } from './traffic-counters';

/** What a send may do with its message. */
export enum BudgetAnswer {
  Send,
  /** The 'drop' overflow policy: this message is discarded, the connection stays. */
  Drop,
  /** The 'close' overflow policy: the connection fails with 1008. */
  Close,
}

/** A route's overflow policy (DESIGN.md defaults: 8 MiB, then close with 1008 or drop). */
export interface OutboundBudgetPolicy {
  /** Outbound bytes queued in user space before the overflow policy applies. */
  maxBufferedBytes: number;
  /** Past maxBufferedBytes: close with 1008, or drop the message being sent. */
  onBufferOverflow: 'close' | 'drop';
}

/** Outbound bytes past which pongs are skipped: a ping flood from a peer that does not read. */
const PONG_BACKLOG_BYTES = 64 * 1024;

/**
 * The outbound budget, one answer for plain and compressed sends alike: `queuedBytes` counts what
 * waits for the socket and, with permessage-deflate, the messages waiting for or under compression
 * at their uncompressed frame size. An empty queue always takes the message, so one message larger
 * than the limit still reaches a consumer that keeps up. Past the limit the answer is counted.
 * Functions, not an object: a connection pays nothing for its budget but the bytes it counts.
 */
export function admitOutbound(queuedBytes: number, frameBytes: number, policy: OutboundBudgetPolicy, counters: TrafficCounters): BudgetAnswer {
  if (queuedBytes === 0 || queuedBytes + frameBytes <= policy.maxBufferedBytes) return BudgetAnswer.Send;
  if (policy.onBufferOverflow === 'drop') {
    counters.droppedOverflow++;
    return BudgetAnswer.Drop;
  }
  counters.slowConsumerCloses++;
  return BudgetAnswer.Close;
}

/** A peer that pings but does not read gets no more pongs once they back up: they cannot grow our heap. */
export const canPong = (socketQueuedBytes: number): boolean => socketQueuedBytes < PONG_BACKLOG_BYTES;
