import { RequestError } from './client-errors';
import { AckEnvelope } from '../wire/envelope';
import { ERROR_EVENT, ErrorBody } from './envelope';

/** A server request as it arrived: `{"event","data","ack"}`. */
export type ServerRequest = AckEnvelope;

/** Answers one server request; what it returns (or resolves to) is the answer's `data`. */
export type RequestHandler<T = unknown> = (data: T, request: ServerRequest) => unknown;

/** Where answers go (the socket the request came on), and where a handler's own failure is reported. */
export interface AnswerChannel {
  send(text: string): void;
  /** A handler threw something that is not a RequestError: the server is told INTERNAL, the application this. */
  reportFailure(error: unknown): void;
}

/** The answer to server request `ack`: `{"event","data","ack"}`, or an error envelope carrying `ack`. */
export function encodeAnswer(event: string, data: unknown, ack: number): string {
  return JSON.stringify({ event, data, ack });
}

/**
 * The handlers of server requests (`client.request()` on the server), one per event, as a
 * server gateway has one handler per event. Each request is answered exactly once: with what
 * the handler returns, with the body of a RequestError it throws, with INTERNAL for any other
 * throw, or with NO_HANDLER.
 */
export class RequestHandlers {
  private readonly byEvent = new Map<string, RequestHandler>();

  set(event: string, handler: RequestHandler): void {
    if (this.byEvent.has(event)) throw new Error(`a request handler for "${event}" is registered already: one answers each request`);
    this.byEvent.set(event, handler);
  }

  delete(event: string, handler: RequestHandler): void {
    if (this.byEvent.get(event) === handler) this.byEvent.delete(event);
  }

  answer(request: ServerRequest, channel: AnswerChannel): void {
    const { event, ack } = request;
    const handler = this.byEvent.get(event);
    if (!handler) return channel.send(encodeAnswer(ERROR_EVENT, { event, code: 'NO_HANDLER', message: `the client has no handler for "${event}"` } satisfies ErrorBody, ack));
    let result: unknown;
    try {
      result = handler(request.data, request);
    } catch (error) {
      return this.answerFailure(request, error, channel);
    }
    if (!isThenable(result)) return this.answerValue(request, result, channel);
    Promise.resolve(result).then(
      (value) => this.answerValue(request, value, channel),
      (error: unknown) => this.answerFailure(request, error, channel),
    );
  }

  /** A value JSON cannot carry (a cycle, a BigInt) fails like a throw: the request still gets its one answer. */
  private answerValue(request: ServerRequest, value: unknown, channel: AnswerChannel): void {
    const text = encodeOrFail(request.event, value, request.ack);
    if (typeof text === 'string') return channel.send(text);
    this.answerFailure(request, text.error, channel);
  }

  private answerFailure({ event, ack }: ServerRequest, error: unknown, channel: AnswerChannel): void {
    if (error instanceof RequestError) {
      const refusal = encodeOrFail(ERROR_EVENT, { ...error.body, event }, ack);
      if (typeof refusal === 'string') return channel.send(refusal);
      error = refusal.error; // its details do not encode
    }
    channel.reportFailure(error);
    channel.send(encodeAnswer(ERROR_EVENT, { event, code: 'INTERNAL', message: 'the client failed to answer' } satisfies ErrorBody, ack));
  }
}

function encodeOrFail(event: string, data: unknown, ack: number): string | { error: unknown } {
  try {
    return encodeAnswer(event, data, ack);
  } catch (error) {
    return { error };
  }
}

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
