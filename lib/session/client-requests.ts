import { ReadyState } from '../transport/connection-events';
import { MessageLink } from '../transport/message-link';
import { isTimerDelay, MAX_TIMER_DELAY_MS } from '../transport/timer-delay';
import { AckEnvelope, Envelope, errorBodyOf } from '../wire/envelope';
import { ERROR_EVENT } from '../wire/reserved-events';
import { ClientDisconnectedError, ClientRefusedError, ClientRequestTimeoutError, TooManyClientRequestsError } from './client-request-errors';

/** `client.request(event, data, options)` on the server. */
export interface ClientRequestOptions {
  /** Reject with ClientRequestTimeoutError when no answer came in this time; 10 s by default. */
  timeoutMs?: number;
}

export const CLIENT_REQUEST_DEFAULTS = {
  timeoutMs: 10_000,
  // Each pending request holds a timer and two closures: a handler that asks in a loop and never
  // gets answers (a client without the handler still answers NO_HANDLER) stops here.
  maxPending: 1000,
};

interface PendingAnswer {
  event: string;
  resolve(data: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * The requests this server made to one client (`{"event","data","ack"}`), waiting for the answer that
 * echoes their `ack`. `ack` is a field of its own, numbered 1, 2, 3, … per connection, so it never
 * meets the ids of the client's requests (`id`). Each request settles exactly once: by its answer,
 * its timeout, or the connection's close. Made on a connection's first request: others pay nothing.
 */
export class ClientRequests {
  private readonly byAck = new Map<number, PendingAnswer>();
  private lastAck = 0;

  constructor(
    private readonly transport: MessageLink,
    /** Sends through the gateway's codec. */
    private readonly send: (envelope: Envelope) => boolean,
  ) {
    void transport.closed.then(({ code }) => {
      for (const [ack, pending] of [...this.byAck]) {
        this.take(ack);
        pending.reject(new ClientDisconnectedError(pending.event, code));
      }
    });
  }

  get size(): number {
    return this.byAck.size;
  }

  request(event: string, data: unknown, timeoutMs = CLIENT_REQUEST_DEFAULTS.timeoutMs): Promise<unknown> {
    if (this.transport.readyState !== ReadyState.Open) return Promise.reject(new ClientDisconnectedError(event, undefined));
    if (this.byAck.size >= CLIENT_REQUEST_DEFAULTS.maxPending) return Promise.reject(new TooManyClientRequestsError(event, CLIENT_REQUEST_DEFAULTS.maxPending));
    if (!isTimerDelay(timeoutMs)) return Promise.reject(new RangeError(`client.request(): timeoutMs must be above 0 and at most ${MAX_TIMER_DELAY_MS}, got ${timeoutMs}`));
    const ack = ++this.lastAck;
    const answer = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => this.take(ack)?.reject(new ClientRequestTimeoutError(event, timeoutMs)), timeoutMs);
      this.byAck.set(ack, { event, resolve, reject, timer });
    });
    try {
      this.send({ event, data, ack });
    } catch (error) {
      // The codec refused the data: nothing was sent.
      this.take(ack)?.reject(error instanceof Error ? error : new Error(String(error)));
    }
    // send() is false both when the message waits for 'drain' and when it was dropped (onBufferOverflow: 'drop'): the timeout covers a drop.
    return answer;
  }

  /** Settles the request an answer echoes; false when this connection never sent that `ack` (an answer to a timed-out one is true, and dropped). */
  settle(answer: AckEnvelope): boolean {
    const pending = this.take(answer.ack);
    if (!pending) return answer.ack <= this.lastAck;
    if (answer.event === ERROR_EVENT) pending.reject(new ClientRefusedError(pending.event, errorBodyOf(answer.data, 'client')));
    else pending.resolve(answer.data);
    return true;
  }

  private take(ack: number): PendingAnswer | undefined {
    const pending = this.byAck.get(ack);
    if (!pending) return undefined;
    this.byAck.delete(ack);
    clearTimeout(pending.timer);
    return pending;
  }
}
