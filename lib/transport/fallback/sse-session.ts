import { EventEmitter } from 'node:events';
import { ServerResponse } from 'node:http';
import { CloseCode, isValidWireCloseCode } from '../../protocol/close-code';
import { framePayloadOf } from '../../protocol/frame-writer';
import { Opcode } from '../../protocol/opcode';
import { SSE_CLOSE_EVENT, SSE_SESSION_EVENT, SessionClosed, SessionOpened } from '../../wire/fallback';
import { CloseEvent, ConnectionEvents, ReadyState } from '../connection-events';
import { newConnectionId } from '../connection-id';
import { MessageLink } from '../message-link';
import { admitOutbound, BudgetAnswer, OutboundBudgetPolicy } from '../outbound-budget';
import { TrafficCounters } from '../traffic-counters';
import { encodeSseEvent, encodeSseMessage, encodeSseText, SSE_HEARTBEAT } from './sse-event';
import { newSessionToken } from './session-token';

/** POSTs of one session being read or waiting at once; more are refused (a client sends one at a time, batching the rest). */
export const MAX_POSTS_IN_FLIGHT = 4;

export interface SseSessionOptions extends OutboundBudgetPolicy {
  /** The gateway path the stream was opened on: POSTs to another path are not this session's. */
  path: string;
  /** Told to the client in the session event; the listener refuses POSTs with more. */
  maxMessagesPerPost: number;
  counters: TrafficCounters;
  /** Told once, when the session has closed, before its 'close' listeners. */
  onClose(session: SseSession, event: CloseEvent): void;
  /** Told about errors thrown by our own listeners (the session then closes with 1011). */
  onUnexpectedError(error: unknown): void;
}

/**
 * A fallback session: what a WebSocket Connection is, over HTTP. Server → client messages are
 * events on one SSE response; client → server messages arrive in POSTs, which the fallback
 * listener hands to deliver(). The client proves each POST is its own with the token the stream's
 * first event gave it.
 *
 * OPEN ─close()→ close event written, response ended ─→ CLOSED
 * OPEN ─stream gone (reader left, reset), terminate(), or the client's DELETE─→ CLOSED
 */
export class SseSession extends EventEmitter<ConnectionEvents> implements MessageLink {
  readonly id = newConnectionId();
  readonly kind = 'sse';
  readonly protocol = undefined;
  /** Proves a POST comes from the client that holds the stream (compared in constant time by the listener). */
  readonly token = newSessionToken();
  private state = ReadyState.Open;
  private isReading = false;
  /** POSTs read before the gateway started the session, waiting (unanswered) for open() or the close. */
  private waitingPosts: Array<() => void> = [];
  /** The SSE `id:` of the last message sent: 1, 2, 3, … */
  private lastEventId = 0;
  private hasMessageSinceCheck = false;
  private lastMessageAt = Date.now();
  private closeEvent: CloseEvent | undefined;
  private closedPromise: Promise<CloseEvent> | undefined;
  private resolveClosed: ((event: CloseEvent) => void) | undefined;

  constructor(
    private readonly response: ServerResponse,
    private readonly options: SseSessionOptions,
  ) {
    super();
    response.on('close', () => this.reportClosed({ code: CloseCode.Abnormal, reason: '', wasClean: false }));
    response.on('drain', () => this.deliver('drain'));
    const opened: SessionOpened = { session: this.id, token: this.token, maxMessagesPerPost: options.maxMessagesPerPost };
    this.write(encodeSseEvent(undefined, SSE_SESSION_EVENT, JSON.stringify(opened)));
  }

  /** The gateway path the stream was opened on. */
  get path(): string {
    return this.options.path;
  }

  get readyState(): ReadyState {
    return this.state;
  }

  get bufferedAmount(): number {
    return this.response.destroyed ? 0 : this.response.writableLength;
  }

  get hasStartedReading(): boolean {
    return this.isReading;
  }

  get closed(): Promise<CloseEvent> {
    this.closedPromise ??= this.closeEvent ? Promise.resolve(this.closeEvent) : new Promise((resolve) => (this.resolveClosed = resolve));
    return this.closedPromise;
  }

  /** Starts delivering posted messages (the gateway has started the session). */
  open(): void {
    if (this.isReading) return;
    this.isReading = true;
    this.wakeWaitingPosts();
  }

  /**
   * Messages from one POST, in order: true once delivered, false when the session closed first (the
   * POST gets 404). Before the gateway has started the session they wait, and so does the POST's
   * answer, as a WebSocket is not read then: a client sends its next POST after the answer, so at
   * most `maxWaitingPosts` wait (more are refused with false); nothing piles up unread.
   */
  async deliverPosted(messages: readonly string[], bytes: number, maxWaitingPosts = Infinity): Promise<boolean> {
    if (this.state !== ReadyState.Open) return false;
    if (!this.isReading) {
      if (this.waitingPosts.length >= maxWaitingPosts) return false;
      await new Promise<void>((resolve) => this.waitingPosts.push(resolve));
      if (this.state !== ReadyState.Open) return false;
    }
    this.options.counters.bytesIn += bytes;
    const receivedAtMs = performance.now();
    for (const message of messages) this.deliver('message', message, receivedAtMs);
    return true;
  }

  send(message: string | Buffer): boolean {
    if (this.state !== ReadyState.Open) return false;
    return this.writeMessage(encodeSseMessage(this.lastEventId + 1, message));
  }

  /** A broadcast's frame: its payload goes out as the event's data, undecoded when it is a plain text. */
  sendFrame(frame: Buffer): boolean {
    if (this.state !== ReadyState.Open) return false;
    const { opcode, payload } = framePayloadOf(frame);
    const eventId = this.lastEventId + 1;
    return this.writeMessage(opcode === Opcode.Text ? encodeSseText(eventId, payload) : encodeSseMessage(eventId, Buffer.from(payload)));
  }

  /** Ends the stream with an `event: close` carrying the code: the client's WebSocket-like close event. */
  close(code: number = CloseCode.Normal, reason = ''): void {
    if (this.state !== ReadyState.Open) return;
    if (!isValidWireCloseCode(code)) throw new RangeError(`${code} is not a close code an endpoint may send`);
    const closed: SessionClosed = { code, reason };
    this.write(encodeSseEvent(undefined, SSE_CLOSE_EVENT, JSON.stringify(closed)));
    this.response.end();
    this.reportClosed({ code, reason, wasClean: true });
  }

  /** Drops the stream at once. */
  terminate(): void {
    this.response.destroy();
    this.reportClosed({ code: CloseCode.Abnormal, reason: '', wasClean: false });
  }

  /** The client said goodbye (DELETE): a clean close with 1000, as a WebSocket's close frame would be. */
  closedByClient(): void {
    if (this.state !== ReadyState.Open) return;
    this.response.end();
    this.reportClosed({ code: CloseCode.Normal, reason: '', wasClean: true });
  }

  /** A comment on the stream, so proxies keep it; skipped while the reader is behind. */
  heartbeat(): void {
    if (this.state === ReadyState.Open && this.response.writableLength === 0) this.write(SSE_HEARTBEAT);
  }

  /** When the client last posted a message (ms since the epoch), for the idle timeout: one since the last call counts as sent `now`. */
  lastMessageSeenAt(now: number): number {
    if (this.hasMessageSinceCheck) {
      this.hasMessageSinceCheck = false;
      this.lastMessageAt = now;
    }
    return this.lastMessageAt;
  }

  /** The outbound budget, as a WebSocket's: a reader that does not keep up is closed with 1008 or loses messages. */
  private writeMessage(event: Buffer): boolean {
    const answer = admitOutbound(this.bufferedAmount, event.length, this.options, this.options.counters);
    if (answer === BudgetAnswer.Close) {
      // The reader is not reading: a close event would wait behind the rest, so the stream is dropped.
      this.response.destroy();
      this.reportClosed({ code: CloseCode.PolicyViolation, reason: 'slow consumer', wasClean: false });
      return false;
    }
    if (answer === BudgetAnswer.Drop) return false;
    this.lastEventId++;
    this.options.counters.messagesOut++;
    return this.write(event);
  }

  private write(bytes: Buffer): boolean {
    this.options.counters.bytesOut += bytes.length;
    return this.response.write(bytes);
  }

  /** Our own listeners never let an exception reach the caller (a POST, a broadcast). */
  private deliver<E extends 'message' | 'drain'>(name: E, ...args: ConnectionEvents[E]): void {
    if (this.state !== ReadyState.Open) return;
    if (name === 'message') {
      this.hasMessageSinceCheck = true;
      this.options.counters.messagesIn++;
    }
    try {
      (this.emit as (name: E, ...args: ConnectionEvents[E]) => boolean)(name, ...args);
    } catch (error) {
      this.options.onUnexpectedError(error);
      this.close(CloseCode.InternalError);
    }
  }

  /** In the order they came: each POST's messages follow the previous one's. */
  private wakeWaitingPosts(): void {
    for (const wake of this.waitingPosts.splice(0)) wake();
  }

  private reportClosed(event: CloseEvent): void {
    if (this.state === ReadyState.Closed) return;
    this.state = ReadyState.Closed;
    this.wakeWaitingPosts();
    this.closeEvent = event;
    this.resolveClosed?.(event);
    try {
      this.options.onClose(this, event);
      this.emit('close', event);
    } catch (error) {
      this.options.onUnexpectedError(error);
    }
  }
}
