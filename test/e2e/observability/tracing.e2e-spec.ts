// `tracing: true`: spans per connection, per handled message and per broadcast, recorded by the
// OpenTelemetry SDK into memory. The SDK stands in for the application's own tracing setup.
import { CallHandler, Controller, ExecutionContext, HttpCode, Injectable, Module, NestInterceptor, Param, Post, UseInterceptors } from '@nestjs/common';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Observable } from 'rxjs';
import request from 'supertest';
import { Rooms } from '../../../lib';
import { EnvelopeClient } from '../../helpers/envelope-client';
import { startApp, StartedApp } from '../../fixtures/gateways/test-app';
import { Disconnects, ObservabilityAppModule } from './observability.fixtures';

/** What HTTP instrumentation does for a request: its handler runs inside an active server span. */
@Injectable()
class HttpServerSpan implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return new Observable((subscriber) =>
      trace.getTracer('http').startActiveSpan('POST /traced/:room', { kind: SpanKind.SERVER }, (span) =>
        next.handle().subscribe({
          next: (value) => subscriber.next(value),
          error: (error: unknown) => {
            span.end();
            subscriber.error(error);
          },
          complete: () => {
            span.end();
            subscriber.complete();
          },
        }),
      ),
    );
  }
}

@Controller('traced')
@UseInterceptors(HttpServerSpan)
class TracedController {
  constructor(private readonly rooms: Rooms) {}

  @Post(':room')
  @HttpCode(202)
  async notify(@Param('room') room: string): Promise<void> {
    await this.rooms.to(room).send('note', 'from http');
  }
}

@Module({ imports: [ObservabilityAppModule.with({ websocket: { tracing: true } })], controllers: [TracedController] })
class TracedAppModule {}

describe('tracing: true', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const contextManager = new AsyncLocalStorageContextManager();
  let started: StartedApp;
  const clients = new Set<EnvelopeClient>();

  beforeAll(async () => {
    context.setGlobalContextManager(contextManager.enable());
    trace.setGlobalTracerProvider(provider);
    started = await startApp(TracedAppModule);
  });

  afterEach(async () => {
    await Promise.all([...clients].map((client) => client.close()));
    clients.clear();
    exporter.reset();
  });

  afterAll(async () => {
    await started.app.close();
    trace.disable();
    context.disable();
    await provider.shutdown();
  });

  const connect = async (path: string): Promise<EnvelopeClient> => {
    const client = await EnvelopeClient.connect(started.wsUrl(path));
    clients.add(client);
    return client;
  };

  const spanNamed = (name: string): ReadableSpan => {
    const spans = exporter.getFinishedSpans().filter((span) => span.name === name);
    if (spans.length !== 1) throw new Error(`expected one span "${name}", got ${spans.length} of ${JSON.stringify(exporter.getFinishedSpans().map((s) => s.name))}`);
    return spans[0];
  };

  /** Closes the client and waits until the server has run its disconnect hook (the connection span ended before). */
  const closeAndSettle = async (client: EnvelopeClient): Promise<void> => {
    const disconnects = started.app.get(Disconnects);
    const expected = disconnects.count + 1;
    await client.close();
    clients.delete(client);
    await disconnects.untilCount(expected);
  };

  it('records a span per handled message, named after the path and event, with the gateway, the event and an ok outcome', async () => {
    const client = await connect('/metered');

    await client.request('echo', 'hi');

    const span = spanNamed('WS /metered echo');
    expect(span.kind).toBe(SpanKind.SERVER);
    expect(span.attributes).toMatchObject({ 'ws.gateway': 'MeteredGateway', 'ws.event': 'echo', 'ws.outcome': 'ok' });
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('marks a message answered with an error envelope as an error, with the envelope’s code', async () => {
    const client = await connect('/metered');

    await client.request('refuse');

    const span = spanNamed('WS /metered refuse');
    expect(span.attributes).toMatchObject({ 'ws.outcome': 'error', 'ws.error.code': 'ROOM_FULL' });
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'ROOM_FULL' });
  });

  it('records a span per connection, from the handshake to the close, with the close code, and links each message span to it', async () => {
    const client = await connect('/metered');
    await client.request('echo', 1);

    await closeAndSettle(client);

    const connection = spanNamed('WS /metered');
    const message = spanNamed('WS /metered echo');
    expect(connection.attributes).toMatchObject({ 'ws.gateway': 'MeteredGateway', 'url.path': '/metered', 'ws.close.code': 1005 });
    expect(message.parentSpanContext).toBeUndefined();
    expect(message.links.map((link) => link.context.spanId)).toEqual([connection.spanContext().spanId]);
    expect(message.attributes['ws.connection.id']).toBe(connection.attributes['ws.connection.id']);
  });

  it('makes a room broadcast sent by a handler a child of that message’s span', async () => {
    const client = await connect('/metered');
    await client.request('join', { room: 'traced-room' });

    client.send('shout', { room: 'traced-room', text: 'hello' });
    await client.next('shouted');

    const message = spanNamed('WS /metered shout');
    const broadcast = spanNamed('WS broadcast');
    expect(broadcast.kind).toBe(SpanKind.PRODUCER);
    expect(broadcast.spanContext().traceId).toBe(message.spanContext().traceId);
    expect(broadcast.parentSpanContext?.spanId).toBe(message.spanContext().spanId);
    expect(broadcast.attributes['ws.rooms']).toEqual(['traced-room']);
  });

  it('continues the trace of an HTTP request into the room broadcast its controller sends', async () => {
    const client = await connect('/metered');
    await client.request('join', { room: 'from-http' });

    await request(started.app.getHttpServer()).post('/traced/from-http').expect(202);
    expect((await client.next('note')).data).toBe('from http');

    const http = spanNamed('POST /traced/:room');
    const broadcast = spanNamed('WS broadcast');
    expect(broadcast.spanContext().traceId).toBe(http.spanContext().traceId);
    expect(broadcast.parentSpanContext?.spanId).toBe(http.spanContext().spanId);
  });
});
