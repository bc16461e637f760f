import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { MemoryAdapter } from '../../../lib/adapters/memory/memory.adapter';
import { TRACER_NAME, WsTracing } from '../../../lib/observability/tracing/ws-tracing';
import { RoomsNode } from '../../../lib/rooms/rooms-node';
import { startFakeNode } from '../../helpers/rooms-node';

describe('WsTracing', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  let tracing: WsTracing;

  beforeAll(async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(provider);
    tracing = await WsTracing.load();
  });

  afterEach(() => exporter.reset());

  afterAll(async () => {
    trace.disable();
    context.disable();
    await provider.shutdown();
  });

  it('keeps the traced node’s identity and the methods it does not trace', async () => {
    const { node } = await startFakeNode(new MemoryAdapter(), ['c1']);
    const traced = tracing.traceFanOut(node);

    await traced.join('c1', 'room');

    expect(traced).toBeInstanceOf(RoomsNode);
    expect(await traced.roomsOf('c1')).toEqual(['room']);
    expect(exporter.getFinishedSpans()).toEqual([]);
  });

  it('records a failed delivery on its span as an error, and rethrows it', async () => {
    const { node } = await startFakeNode(new MemoryAdapter());
    jest.spyOn(node, 'sendToTag').mockRejectedValue(new Error('link down'));

    await expect(tracing.traceFanOut(node).sendToTag('user:1', Buffer.from('x'), new Set())).rejects.toThrow('link down');

    const [span] = exporter.getFinishedSpans();
    expect(span.name).toBe('WS send');
    expect(span.instrumentationScope.name).toBe(TRACER_NAME);
    expect(span.attributes).toMatchObject({ 'ws.tag': 'user:1', 'ws.frame.bytes': 1 });
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.events.map((event) => event.name)).toEqual(['exception']);
  });

  it('ends a connection span with an error status when the server closed it with 1011', () => {
    tracing.connectionOpened('c2', 'G', '/g', '127.0.0.1');
    tracing.connectionClosed('c2', 1011);
    tracing.connectionClosed('c2', 1011); // a second close finds no span and changes nothing

    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(1);
    expect(spans[0].attributes).toMatchObject({ 'network.peer.address': '127.0.0.1', 'ws.close.code': 1011 });
    expect(spans[0].status).toEqual({ code: SpanStatusCode.ERROR, message: 'closed with 1011' });
  });

  it('names the message span of a raw handler after the path alone, with an empty event', () => {
    const span = tracing.startMessage('c3', 'EchoGateway', '/echo', undefined);
    tracing.endMessage(span, undefined);

    const [finished] = exporter.getFinishedSpans();
    expect(finished.name).toBe('WS /echo message');
    expect(finished.attributes).toMatchObject({ 'ws.event': '', 'ws.outcome': 'ok' });
    expect(finished.links).toEqual([]);
  });
});
