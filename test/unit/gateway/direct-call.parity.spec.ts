import { Provider, Type } from '@nestjs/common';
import { ApplicationConfig, ExternalContextCreator } from '@nestjs/core';
import { TestingModule } from '@nestjs/testing';
import { HandlerPipelineFactory } from '../../../lib/gateway/handler-pipeline';
import { GatewayDefinition } from '../../../lib/gateway/gateway.explorer';
import { streamKeepingContextCreator } from '../../../lib/gateway/nest-internals';
import { WebSocketStats } from '../../../lib/observability/websocket-stats';
import { compileGateways, definitionOf, DispatcherHarness, dispatcherFor, Sent } from '../../helpers/dispatcher-harness';
import { ClassGuardedGateway, ENHANCER_GATEWAY_DEPENDENCIES, ENHANCER_GATEWAYS, FilteredGateway, ValidatedGateway } from '../../fixtures/gateways/enhancers.gateway';
import { HandlerCalls } from '../../fixtures/gateways/enhancers';
import { ErrorsGateway } from '../../fixtures/gateways/errors.gateway';
import { HandlerShapesGateway } from '../../fixtures/gateways/handler-shapes.gateway';
import { EventsGateway, MixedGateway, RawGateway, StreamProbe as EventsStreamProbe } from '../../fixtures/gateways/events.gateway';
import { DirectGateway } from '../../fixtures/gateways/misbehaving.gateway';
import { StreamProbe } from '../../fixtures/gateways/misbehaving';

// direct-call.ts promises that a handler called directly gets and answers exactly what Nest's
// pipeline would give it. Every handler of the fixture gateways runs both ways, each way in an
// application of its own, on the same messages; replies, error envelopes, closes, error lines and
// what the handlers recorded must be the same.

const GATEWAYS: Type[] = [HandlerShapesGateway, DirectGateway, EventsGateway, RawGateway, MixedGateway, ErrorsGateway, ...ENHANCER_GATEWAYS];
const PROVIDERS: Provider[] = [
  StreamProbe,
  // The misbehaving StreamProbe listens to handler durations, which these dispatchers report to no stats.
  { provide: WebSocketStats, useValue: { onHandlerDuration: () => undefined } },
  EventsStreamProbe,
  ...ENHANCER_GATEWAY_DEPENDENCIES,
  ...GATEWAYS,
];

/** Bodies every handler gets: none, one object with what the fixtures read, a string, a number. */
const BODIES: unknown[] = [undefined, { name: 'Ada', n: 2, to: 3, count: '7', room: 'lobby', capacity: 10, role: 'admin' }, 'text', 42];
/** Raw messages, for the raw handlers: not envelopes. */
const RAW_MESSAGES: (string | Buffer)[] = ['hello', Buffer.from([1, 2, 3]), '{"event":'];
/** Handlers that wait for their client to leave: the connection closes before they are awaited. */
const WAIT_FOR_CLOSE = new Set(['observable-endless-late', 'observable-endless-after-guard']);

interface Outcome {
  sent: Sent[];
  logged: string[];
}

/** One message through one harness, to its end: replies, then (for a stream) the close that ends it. */
async function outcomeOf(harness: DispatcherHarness, connectionId: string, event: string | undefined, message: string | Buffer): Promise<Outcome> {
  const loggedBefore = harness.logged.length;
  const { connection, sent } = harness.connect(connectionId);
  harness.dispatcher.dispatch(connection, message, 0);
  if (event !== undefined && WAIT_FOR_CLOSE.has(event)) connection.close(1000);
  await harness.whenIdle();
  connection.close(1000); // ends a stream that would go on
  return { sent, logged: harness.logged.slice(loggedBefore) };
}

/** The messages a gateway's handlers are sent: each event with every body, with and without an id; raw messages too. */
function messagesFor(definition: GatewayDefinition): { event: string | undefined; label: string; message: string | Buffer }[] {
  const messages: { event: string | undefined; label: string; message: string | Buffer }[] = [];
  for (const { event } of definition.handlers) {
    if (event === undefined) {
      for (const raw of RAW_MESSAGES) messages.push({ event, label: `raw ${Buffer.isBuffer(raw) ? 'buffer' : raw}`, message: raw });
      continue;
    }
    BODIES.forEach((data, i) => {
      messages.push({ event, label: `${event} body#${i}`, message: JSON.stringify({ event, data }) });
      messages.push({ event, label: `${event} body#${i} id`, message: JSON.stringify({ event, data, id: `r${i}` }) });
    });
  }
  return messages;
}

describe('direct-call parity: a handler called directly answers as through the pipeline', () => {
  let direct: TestingModule;
  let piped: TestingModule;
  let directDefinitions: GatewayDefinition[];
  let pipedDefinitions: GatewayDefinition[];

  beforeAll(async () => {
    ({ moduleRef: direct, definitions: directDefinitions } = await compileGateways(PROVIDERS));
    ({ moduleRef: piped, definitions: pipedDefinitions } = await compileGateways(PROVIDERS));
  });

  afterAll(async () => {
    await Promise.all([direct?.close(), piped?.close()]);
  });

  it('takes the fast path where nothing stands between message and method, and declines where a guard, pipe or interceptor does', () => {
    const pipeline = new HandlerPipelineFactory(direct.get(ExternalContextCreator));
    const pathsOf = (metatype: Type): Record<string, boolean> => {
      const { instance, handlers } = definitionOf(directDefinitions, metatype);
      return Object.fromEntries(handlers.map(({ event, methodName }) => [event ?? '(raw)', pipeline.compile(instance, metatype, methodName).call !== undefined]));
    };

    expect(pathsOf(EventsGateway)).toEqual({ echo: true, 'pick-name': true, connection: true, handshake: true, 'request-id': true, later: true, count: true, ticks: true, ignore: true });
    expect(pathsOf(MixedGateway)).toEqual({ ping: true, '(raw)': true });
    expect(Object.values(pathsOf(HandlerShapesGateway)).every(Boolean)).toBe(true);
    expect(Object.values(pathsOf(FilteredGateway)).every(Boolean)).toBe(true); // filters do not need the pipeline
    expect(pathsOf(ValidatedGateway)).toEqual({ 'create-room': false, take: false, 'create-room-unpiped': true }); // pipes do, a parameter's too
    expect(pathsOf(ClassGuardedGateway)).toEqual({ first: false, second: false });
    const misbehaving = pathsOf(DirectGateway);
    expect(Object.keys(misbehaving).filter((event) => !misbehaving[event]).sort()).toEqual(
      ['guard-refuses', 'guard-rejects', 'guard-throws', 'interceptor-errors', 'interceptor-throws', 'interceptor-unencodable', 'observable-endless-after-guard', 'pipe-rejects', 'pipe-throws'],
    );
  });

  it.each([
    { kind: 'guard', set: (config: ApplicationConfig) => config.useGlobalGuards({ canActivate: () => true }) },
    { kind: 'pipe', set: (config: ApplicationConfig) => config.useGlobalPipes({ transform: (value: unknown) => value }) },
    { kind: 'interceptor', set: (config: ApplicationConfig) => config.useGlobalInterceptors({ intercept: (_context, next) => next.handle() }) },
  ])('declines for every handler once a global $kind is set', async ({ set }) => {
    const { moduleRef, definitions } = await compileGateways([HandlerShapesGateway]);
    try {
      const shared = moduleRef.get(ExternalContextCreator);
      set(streamKeepingContextCreator(shared).config);
      const pipeline = new HandlerPipelineFactory(shared);
      const { instance, handlers } = definitionOf(definitions, HandlerShapesGateway);

      expect(handlers.filter(({ methodName }) => pipeline.compile(instance, HandlerShapesGateway, methodName).call !== undefined)).toEqual([]);
    } finally {
      await moduleRef.close();
    }
  });

  describe.each(GATEWAYS.map((metatype) => ({ gateway: metatype.name, metatype })))('$gateway', ({ metatype }) => {
    it('sends the same replies, errors and closes, and logs the same lines, for every handler and message', async () => {
      const fast = dispatcherFor(direct, definitionOf(directDefinitions, metatype), { directCall: true });
      const slow = dispatcherFor(piped, definitionOf(pipedDefinitions, metatype), { directCall: false });
      const messages = messagesFor(definitionOf(directDefinitions, metatype));
      expect(messages.length).toBeGreaterThan(0);

      for (const [i, { event, label, message }] of messages.entries()) {
        const viaDirectCall = await outcomeOf(fast, `c${i}`, event, message);
        const viaPipeline = await outcomeOf(slow, `c${i}`, event, message);
        expect({ label, ...viaDirectCall }).toEqual({ label, ...viaPipeline });
      }
    });
  });

  it('leaves the same side effects in the handlers’ own records', () => {
    expect(direct.get(HandlerCalls).events).toEqual(piped.get(HandlerCalls).events);
    expect(direct.get(HandlerCalls).events.length).toBeGreaterThan(0);
  });
});
