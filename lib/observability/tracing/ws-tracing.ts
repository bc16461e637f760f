import type { Attributes, Span, SpanKind, Tracer } from '@opentelemetry/api';
import type { RoomsNode } from '../../rooms/rooms-node';

type OpenTelemetryApi = typeof import('@opentelemetry/api');

/** The span of one handled message, as the dispatcher holds it. */
export type MessageSpan = Span;

/** The instrumentation scope our spans are reported under. */
export const TRACER_NAME = 'nest-rfc6455';

/** Injection token of the module's WsTracing, or null when `tracing` is off. */
export const WS_TRACING = Symbol('WsTracing');

/** Close codes that are the server's fault; the connection span ends with an error status. */
const SERVER_FAULT_CLOSE_CODES: ReadonlySet<number> = new Set([1011]);

/**
 * OpenTelemetry spans through `@opentelemetry/api`, loaded only when `tracing: true`:
 * - one span per connection, `WS <path>`, from the 101 to the close (attribute `ws.close.code`);
 * - one span per handled message, `WS <path> <event>`, a root linked to its connection's span,
 *   with `ws.outcome` ok or error (and `ws.error.code`); the handler runs inside it, so what it
 *   starts (a room broadcast, a database call) is its child;
 * - one span per room broadcast or direct send, `WS broadcast` / `WS send`, a child of whatever is
 *   active: a message span, or the span of an HTTP request that called `rooms.to(room).send()`.
 * Spans stay in this process: a broadcast relayed through Redis starts no trace on the other nodes.
 */
export class WsTracing {
  private readonly connectionSpans = new Map<string, Span>();

  private constructor(
    private readonly api: OpenTelemetryApi,
    private readonly tracer: Tracer,
  ) {}

  /** Imports `@opentelemetry/api`; rejects with what to install when it is missing. */
  static async load(): Promise<WsTracing> {
    let api: OpenTelemetryApi;
    try {
      api = await import('@opentelemetry/api');
    } catch (error) {
      throw new Error('WebSocketModule: `tracing: true` needs the optional peer dependency @opentelemetry/api (npm install @opentelemetry/api)', { cause: error });
    }
    return new WsTracing(api, api.trace.getTracer(TRACER_NAME));
  }

  connectionOpened(connectionId: string, gateway: string, path: string, remoteAddress: string | undefined): void {
    const attributes: Attributes = { 'ws.gateway': gateway, 'url.path': path, 'ws.connection.id': connectionId };
    if (remoteAddress !== undefined) attributes['network.peer.address'] = remoteAddress;
    this.connectionSpans.set(connectionId, this.tracer.startSpan(`WS ${path}`, { kind: this.kind('SERVER'), attributes }));
  }

  connectionClosed(connectionId: string, code: number): void {
    const span = this.connectionSpans.get(connectionId);
    if (!span) return;
    this.connectionSpans.delete(connectionId);
    span.setAttribute('ws.close.code', code);
    if (SERVER_FAULT_CLOSE_CODES.has(code)) span.setStatus({ code: this.api.SpanStatusCode.ERROR, message: `closed with ${code}` });
    span.end();
  }

  /** The span of one message; run the handler `within` it and `endMessage` it with the outcome. */
  startMessage(connectionId: string, gateway: string, path: string, event: string | undefined): MessageSpan {
    const connection = this.connectionSpans.get(connectionId);
    return this.tracer.startSpan(`WS ${path} ${event ?? 'message'}`, {
      kind: this.kind('SERVER'),
      root: true,
      links: connection ? [{ context: connection.spanContext() }] : [],
      attributes: { 'ws.gateway': gateway, 'ws.event': event ?? '', 'ws.connection.id': connectionId },
    });
  }

  /** Runs `work` with `span` active, so spans started inside (synchronously or after awaits) are its children. */
  within<T>(span: MessageSpan, work: () => T): T {
    const { context, trace } = this.api;
    return context.with(trace.setSpan(context.active(), span), work);
  }

  /** `errorCode` is the code of the `error` envelope that answered the message, if one did. */
  endMessage(span: MessageSpan, errorCode: string | undefined): void {
    span.setAttribute('ws.outcome', errorCode === undefined ? 'ok' : 'error');
    if (errorCode !== undefined) {
      span.setAttribute('ws.error.code', errorCode);
      span.setStatus({ code: this.api.SpanStatusCode.ERROR, message: errorCode });
    }
    span.end();
  }

  /**
   * The node's broadcasts and direct sends in spans. A Proxy rather than a wrapper class: the
   * node keeps its identity and every method it does not trace.
   */
  traceFanOut(adapter: RoomsNode): RoomsNode {
    const traced: Pick<RoomsNode, 'broadcast' | 'sendTo' | 'sendToTag'> = {
      broadcast: (rooms, frame, except) =>
        this.inProducerSpan('WS broadcast', { 'ws.rooms': [...rooms], 'ws.frame.bytes': frame.length }, () => adapter.broadcast(rooms, frame, except)),
      sendTo: (connectionId, frame) =>
        this.inProducerSpan('WS send', { 'ws.connection.id': connectionId, 'ws.frame.bytes': frame.length }, () => adapter.sendTo(connectionId, frame)),
      sendToTag: (tag, frame, except) =>
        this.inProducerSpan('WS send', { 'ws.tag': tag, 'ws.frame.bytes': frame.length }, () => adapter.sendToTag(tag, frame, except)),
    };
    return new Proxy(adapter, {
      get: (target, property, receiver) =>
        property === 'broadcast' || property === 'sendTo' || property === 'sendToTag' ? traced[property] : Reflect.get(target, property, receiver),
    });
  }

  private async inProducerSpan<T>(name: string, attributes: Attributes, deliver: () => Promise<T>): Promise<T> {
    return this.tracer.startActiveSpan(name, { kind: this.kind('PRODUCER'), attributes }, async (span) => {
      try {
        return await deliver();
      } catch (error) {
        span.recordException(error instanceof Error ? error : String(error));
        span.setStatus({ code: this.api.SpanStatusCode.ERROR });
        throw error;
      } finally {
        span.end();
      }
    });
  }

  private kind(name: keyof typeof SpanKind): SpanKind {
    return this.api.SpanKind[name];
  }
}
