import { QueueFullError } from './client-errors';

/** What to do with an emit made while disconnected when the queue is full. */
export type OverflowPolicy = 'drop-oldest' | 'drop-newest' | 'reject';

/** One message waiting for a connection, already encoded. */
export interface OutboundMessage {
  event: string;
  text: string;
  /** Set for a request, so a timeout can take it out of the queue. */
  requestId?: number;
}

/** What push() did: `dropped` is the message that will never be sent, the new one or the oldest. */
export interface PushResult {
  dropped?: OutboundMessage;
}

/**
 * A bounded FIFO of messages made while disconnected, sent in order once the connection is
 * back (after the onReconnect hook, so rejoined rooms come first).
 */
export class Outbox {
  private messages: OutboundMessage[] = [];

  constructor(
    readonly maxMessages: number,
    readonly overflow: OverflowPolicy,
  ) {}

  get size(): number {
    return this.messages.length;
  }

  /** Throws QueueFullError under 'reject' when full; otherwise reports what was dropped. */
  push(message: OutboundMessage): PushResult {
    if (this.messages.length < this.maxMessages) {
      this.messages.push(message);
      return {};
    }
    if (this.overflow === 'reject') throw new QueueFullError(message.event, this.maxMessages);
    if (this.overflow === 'drop-newest' || this.messages.length === 0) return { dropped: message };
    const dropped = this.messages.shift();
    this.messages.push(message);
    return { dropped };
  }

  /** Takes a queued request out (it timed out); false when it is not queued. */
  removeRequest(requestId: number): boolean {
    const index = this.messages.findIndex((message) => message.requestId === requestId);
    if (index < 0) return false;
    this.messages.splice(index, 1);
    return true;
  }

  /** Everything queued, oldest first; the queue is empty afterwards. */
  drain(): OutboundMessage[] {
    const messages = this.messages;
    this.messages = [];
    return messages;
  }
}
