import { ContextId } from '@nestjs/core';
import { isObservable, Observable, Subscription } from 'rxjs';
import { AckEnvelope, ErrorBody, RequestId } from '../wire/envelope';
import { ERROR_EVENT } from '../wire/reserved-events';
import { DecodeResult, EventCodec } from '../codec/event-codec.interface';
import { GatewayInstruments } from '../observability/gateway-instruments';
import { HandlerDurationRecorder } from '../observability/handler-durations';
import { MessageSpan } from '../observability/tracing/ws-tracing';
import { CloseCode } from '../protocol/close-code';
import { MultiMap } from '../rooms/multi-map';
import { WsConnection } from '../session/ws-connection';
import { ReadyState } from '../transport/connection';
import { handedBack } from './base-ws-exception.filter';
import { codecName } from './checked-codec';
import { replyEnvelope } from './compat/ws-response';
import { enhancerThatThrew } from './enhancer-names';
import { isInstanceOf } from './error-description';
import { errorEnvelopeFor, internalErrorBody } from './error-envelope';
import { ErrorLog } from './error-log';
import { GatewayDefinition } from './gateway.explorer';
import { HandlerArgs, HandlerMeta } from './handler-args';
import { CompiledHandler, HandlerPipelineFactory } from './handler-pipeline';
import { InFlight } from './in-flight';
import { badMessage, decodeFailed, enhancerFailed, errorNotEncoded, filterFailed, handlerFailed, internalNotEncoded, noClientRequest, noHandlerFor, replyNotEncoded } from './messages';
import { ReplyEncodingError } from './reply-encoding-error';

/**
 * Routes one gateway's messages to its handlers and answers per DESIGN.md: a result becomes
 * `{event, data, id}`, each emission of an Observable too, an exception an `error` envelope.
 * Named handlers get envelopes; `@OnMessage()` gets every other message raw.
 */
export class GatewayDispatcher {
  private readonly handlers = new Map<string, TimedHandler>();
  private readonly rawHandler: TimedHandler | undefined;
  /** performance.now() when the last message's synchronous turn (its whole run, or up to its first await) ended. */
  private turnEndedAt = 0;
  /** Live Observable replies, ended when their connection closes. */
  private readonly streams = new MultiMap<WsConnection, Subscription>();
  private readonly gatewayName: string;
  /** The codec's class, for the log line when it throws. */
  private readonly codecName: string;

  constructor(
    private readonly definition: GatewayDefinition,
    /** The singleton, or the instance resolved for one connection. */
    instance: object,
    pipeline: HandlerPipelineFactory,
    private readonly codec: EventCodec,
    private readonly errorLog: ErrorLog,
    private readonly inFlight: InFlight,
    private readonly instruments: GatewayInstruments,
    contextId?: ContextId,
  ) {
    this.gatewayName = definition.metatype.name;
    this.codecName = codecName(codec);
    for (const { event, methodName } of definition.handlers) {
      const handler = { ...pipeline.compile(instance, definition.metatype, methodName, contextId), durations: instruments.stats.recorderFor(event) };
      if (event === undefined) this.rawHandler = handler;
      else this.handlers.set(event, handler);
    }
  }

  /** `receivedAtMs`: when the transport took the message (the clock read of its socket read). */
  dispatch(connection: WsConnection, message: string | Buffer, receivedAtMs: number): void {
    if (this.handlers.size === 0 && this.rawHandler) return this.run(this.rawHandler, connection, message, undefined, undefined, receivedAtMs);
    const decoded = this.decode(connection, message);
    if (decoded === undefined) return;
    // An answer to the server's client.request(): never a handler's (its `ack` is not a request `id`).
    if (decoded.ok && decoded.envelope.ack !== undefined) return this.settleClientRequest(connection, decoded.envelope as AckEnvelope);
    const handler = decoded.ok ? this.handlers.get(decoded.envelope.event) : undefined;
    if (decoded.ok && handler) return this.run(handler, connection, decoded.envelope.data, decoded.envelope.id, decoded.envelope.event, receivedAtMs);
    if (this.rawHandler) return this.run(this.rawHandler, connection, message, undefined, undefined, receivedAtMs);
    if (!decoded.ok) return this.sendError(connection, { code: 'BAD_MESSAGE', message: badMessage(decoded.reason) }, undefined);
    const { event, id } = decoded.envelope;
    this.sendError(connection, { event, code: 'UNKNOWN_EVENT', message: noHandlerFor(event) }, id);
  }

  /** An `ack` this connection never sent is answered, as an unknown event is; a late one (timed out) is dropped, as the client drops late replies. */
  private settleClientRequest(connection: WsConnection, answer: AckEnvelope): void {
    if (!connection.settleRequest(answer)) this.sendError(connection, { event: answer.event, code: 'BAD_MESSAGE', message: badMessage(noClientRequest(answer.ack)) }, undefined);
  }

  /** The codec's reading of a message; undefined when the codec threw (then answered INTERNAL and logged here). */
  decode(connection: WsConnection, message: string | Buffer): DecodeResult | undefined {
    try {
      return this.codec.decode(message);
    } catch (error) {
      this.errorLog.error(decodeFailed(this.gatewayName, this.codecName), error);
      this.sendError(connection, internalErrorBody(undefined), undefined);
      return undefined;
    }
  }

  /** The connection closed: stop its Observable replies. */
  release(connection: WsConnection): void {
    for (const subscription of this.streams.deleteKey(connection)) subscription.unsubscribe();
  }

  /** Runs and answers one message, timed (and in a span when tracing is on) until it is answered. */
  private run(handler: TimedHandler, connection: WsConnection, body: unknown, id: RequestId | undefined, event: string | undefined, receivedAtMs: number): void {
    const args: HandlerArgs = [connection, body, id === undefined ? NO_ID : { id }, event];
    // The messages of one socket read share its clock read: when one before this one in the same
    // read ended later, this one starts there, so none counts another's time. One clock read per
    // message answered in its turn, two for one that awaits.
    const startedAt = receivedAtMs > this.turnEndedAt ? receivedAtMs : this.turnEndedAt;
    const { tracing } = this.instruments;
    const span = tracing?.startMessage(connection.id, this.definition.metatype.name, this.definition.options.path, event);
    const answering = tracing && span ? tracing.within(span, () => this.answer(handler, args)) : this.answer(handler, args);
    const turnEndedAt = (this.turnEndedAt = performance.now());
    if (answering === ANSWERED) return this.handled(handler.durations, turnEndedAt - startedAt, undefined, span);
    this.track(
      answering.then(
        (errorCode) => this.handled(handler.durations, performance.now() - startedAt, errorCode, span),
        (error: unknown) => {
          this.handled(handler.durations, performance.now() - startedAt, 'INTERNAL', span);
          throw error; // track() logs it
        },
      ),
      handler,
    );
  }

  /** ANSWERED when the reply went out in this tick; otherwise the code of the error envelope that answered, if any, once done. */
  private answer(handler: CompiledHandler, args: HandlerArgs): typeof ANSWERED | Promise<string | undefined> {
    if (handler.call) return this.callDirectly(handler, handler.call, args);
    return handler
      .run(...args)
      .then((result) => this.deliver(handler, args, result))
      .then(noError, (error: unknown) => this.answerError(handler, args, error));
  }

  /** The fast path: a plain value is answered in this tick; a Promise is awaited as usual. */
  private callDirectly(handler: CompiledHandler, call: (args: HandlerArgs) => unknown, args: HandlerArgs): typeof ANSWERED | Promise<string | undefined> {
    let result: unknown;
    try {
      result = call(args);
      if (!isThenable(result)) {
        this.deliver(handler, args, result);
        return ANSWERED;
      }
    } catch (error) {
      return this.answerError(handler, args, error);
    }
    // Any thenable, as the pipeline awaits it (an ORM's query, say); a value that cannot be delivered is answered like an exception.
    return Promise.resolve(result)
      .then((value) => this.deliver(handler, args, value))
      .then(noError, (error: unknown) => this.answerError(handler, args, error));
  }

  private handled(durations: HandlerDurationRecorder, durationMs: number, errorCode: string | undefined, span: MessageSpan | undefined): void {
    this.instruments.stats.handled(durations, durationMs);
    if (span) this.instruments.tracing?.endMessage(span, errorCode);
  }

  private track(work: Promise<void>, handler: CompiledHandler): void {
    this.inFlight.track(work.catch((error: unknown) => this.logUnexpected(handler, error)));
  }

  private deliver(handler: CompiledHandler, args: HandlerArgs, result: unknown): void {
    if (result === null || typeof result !== 'object' || !isObservable(result)) return this.reply(args, result);
    // The client left while the handler ran: release() has passed, so nothing would end the stream.
    if (args[0].readyState !== ReadyState.Open) return;
    this.subscribe(handler, args, result);
  }

  /** Every emission is a reply; an error, or an emission that cannot be sent, ends the stream and is answered. */
  private subscribe(handler: CompiledHandler, args: HandlerArgs, replies: Observable<unknown>): void {
    const [connection] = args;
    let subscription: Subscription | undefined = undefined;
    let hasEnded = false;
    const end = (): void => {
      hasEnded = true;
      if (!subscription) return;
      this.streams.delete(connection, subscription);
      subscription.unsubscribe();
    };
    const fail = (error: unknown): void => {
      end();
      this.answerError(handler, args, error).catch((failure: unknown) => this.logUnexpected(handler, failure));
    };
    subscription = replies.subscribe({
      next: (value) => {
        if (hasEnded) return; // a synchronous source emitting past a failed emission
        try {
          this.reply(args, value);
        } catch (error) {
          fail(error);
        }
      },
      error: fail,
      complete: end,
    });
    // Ended within subscribe() (a synchronous source): the teardown runs now.
    if (hasEnded) subscription.unsubscribe();
    else this.streams.add(connection, subscription);
  }

  /** Sends one reply; throws ReplyEncodingError when the value cannot be encoded. */
  private reply([connection, , { id }, event]: HandlerArgs, value: unknown): void {
    if (value === undefined) return;
    try {
      if (event !== undefined) {
        connection.sendEnvelope(replyEnvelope(event, value, id)); // a Nest WsResponse names its own event (compat/ws-response.ts)
        return;
      }
      // A raw handler answers raw: a string as text, a Buffer as binary, anything else as JSON text.
      if (value === null) return;
      connection.sendRaw(typeof value === 'string' || Buffer.isBuffer(value) ? value : JSON.stringify(value));
    } catch (error) {
      throw new ReplyEncodingError(event === undefined ? 'JSON.stringify' : `${this.codecName}.encode`, error);
    }
  }

  /**
   * Exception filters first (their return value is the error's data); otherwise our mapping. A
   * filter that throws is answered like the error it threw, and logged under its own name.
   * Resolves with the error's code.
   */
  private async answerError(handler: CompiledHandler, args: HandlerArgs, error: unknown): Promise<string> {
    const { methodName } = handler;
    if (isInstanceOf(error, ReplyEncodingError)) { // not instanceof: user code may throw a revoked Proxy
      return this.answerMapped(args, error, () => this.errorLog.error(replyNotEncoded(this.gatewayName, methodName, error.encoder), error.cause));
    }
    const outcome = await handler.filter(error, args);
    if (outcome.kind === 'unhandled') return this.answerMapped(args, error, () => this.logUnexpected(handler, error));
    const logFilter = (failure: unknown): void => this.errorLog.error(filterFailed(outcome.filterName, this.gatewayName, methodName), failure);
    if (outcome.kind === 'failed') {
      // BaseWsExceptionFilter's super.catch() hands back what it caught (the handler's, as without the filter) or one of its own.
      const handed = handedBack(outcome.error);
      if (handed?.exception === error) return this.answerMapped(args, error, () => this.logUnexpected(handler, error));
      const failure = handed ? handed.exception : outcome.error;
      return this.answerMapped(args, failure, () => logFilter(failure));
    }
    const code = codeOf(outcome.value);
    if (outcome.value === undefined) return code; // docs/gateways.md: the filter has answered the client itself
    const [connection, , { id }] = args;
    try {
      connection.sendEnvelope(withId({ event: ERROR_EVENT, data: outcome.value }, id));
    } catch (failure) {
      return this.answerMapped(args, failure, () => logFilter(failure));
    }
    this.instruments.stats.errorSent(code);
    return code;
  }

  /** Answers `error` through errorEnvelopeFor(); `log` runs when the error was not expected. */
  private answerMapped([connection, , { id }, event]: HandlerArgs, error: unknown, log: () => void): string {
    const { body, isExpected } = errorEnvelopeFor(error, event);
    if (!isExpected) log();
    this.sendError(connection, body, id);
    return body.code;
  }

  sendError(connection: WsConnection, body: ErrorBody, id: RequestId | undefined): void {
    const failure = this.trySendError(connection, body, id);
    if (failure === undefined) return;
    // The codec failed on it (a WsException's details, say): INTERNAL instead, or 1011 when even that fails.
    if (body.code !== 'INTERNAL' && this.trySendError(connection, internalErrorBody(body.event), id) === undefined) {
      return this.errorLog.error(errorNotEncoded(this.gatewayName, this.codecName, body.code), failure.error);
    }
    this.errorLog.error(internalNotEncoded(this.gatewayName, this.codecName), failure.error);
    connection.close(CloseCode.InternalError);
  }

  /** Undefined when sent; what the codec threw otherwise. */
  private trySendError(connection: WsConnection, body: ErrorBody, id: RequestId | undefined): { error: unknown } | undefined {
    try {
      connection.sendEnvelope(withId({ event: ERROR_EVENT, data: body }, id));
    } catch (error) {
      return { error };
    }
    this.instruments.stats.errorSent(body.code);
    return undefined;
  }

  private logUnexpected(handler: CompiledHandler, error: unknown): void {
    const enhancer = enhancerThatThrew(error, this.gatewayName, handler.enhancers);
    const line = enhancer ? enhancerFailed(enhancer.kind, enhancer.name, this.gatewayName, handler.methodName) : handlerFailed(this.gatewayName, handler.methodName);
    this.errorLog.error(line, error);
  }
}

/** A compiled handler and where its durations go, resolved once so a message needs no lookup by event. */
interface TimedHandler extends CompiledHandler {
  durations: HandlerDurationRecorder;
}

/** The meta of every message without an id (most): one shared object instead of one per message. */
const NO_ID: HandlerMeta = Object.freeze({ id: undefined });

/** What run() gets when the handler was answered in the same tick, without error. */
const ANSWERED = 0;
const noError = (): undefined => undefined;

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  value !== null && typeof value === 'object' && typeof (value as { then?: unknown }).then === 'function';

/** The `code` of what an exception filter returned, or FILTERED when it has none. */
const codeOf = (value: unknown): string =>
  typeof value === 'object' && value !== null && typeof (value as { code?: unknown }).code === 'string' ? (value as { code: string }).code : 'FILTERED';

const withId = <T extends object>(envelope: T, id: RequestId | undefined): T & { id?: RequestId } =>
  id === undefined ? envelope : { ...envelope, id };
