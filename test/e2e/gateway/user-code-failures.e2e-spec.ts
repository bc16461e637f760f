// The sweep of issue 14: every boundary where the gateway layer calls user code (handlers, guards,
// pipes, interceptors, exception filters, lifecycle hooks, handshake guards, codecs) throws,
// rejects, returns what cannot be encoded, or never finishes. For each cell: the client gets the
// documented reply or close code, the server process sees no uncaught exception or unhandled
// rejection (its own process-wide listeners, in a child process), and the one error line logged
// names the culprit. Handlers run on the direct-call path (/direct) and through Nest's pipeline
// (/pipeline, forced by a class interceptor).
import { Socket } from 'node:net';
import { CloseCode } from '../../../lib';
import { ERROR_LOG_WINDOW_MS } from '../../../lib/gateway/error-log';
import {
  connectHookUnfinished,
  decodeFailed,
  enhancerFailed,
  errorNotEncoded,
  errorsRepeated,
  filterFailed,
  handlerFailed,
  handshakeGuardFailed,
  hookFailed,
  hookUnfinished,
  internalError,
  internalNotEncoded,
  replyNotEncoded,
  scopedInstanceFailed,
} from '../../../lib/gateway/messages';
import type { ErrorLine } from '../../fixtures/gateways/misbehaving-server';
import { CodecPoison } from '../../fixtures/gateways/misbehaving';
import { HANG_ROOM } from '../../fixtures/gateways/misbehaving.gateway';
import { MisbehavingServer, startMisbehavingServer } from '../../helpers/misbehaving-server';
import { TestEnvelope, WsTestClient } from '../../helpers/ws-test-client';

/** The error line a cell expects: its exact message, and a name its stack must contain (the culprit's code). */
interface ExpectedLine {
  message: string;
  stackNames?: string;
}

/** One request that goes wrong: every envelope it gets, in order, and the error lines logged. */
interface ReplyCell {
  event: string;
  replies: (id: string) => TestEnvelope[];
  logged: (gateway: string) => ExpectedLine[];
}

const ENCODER = 'JsonEventCodec.encode';
const internal = (event: string) => (id: string | number): TestEnvelope[] => [{ event: 'error', data: { event, code: 'INTERNAL', message: internalError() }, id }];
const threw = (method: string, stackNames: string) => (gateway: string): ExpectedLine[] => [{ message: handlerFailed(gateway, method), stackNames }];
const enhancerThrew = (kind: string, enhancer: string, method: string) => (gateway: string): ExpectedLine[] => [
  { message: enhancerFailed(kind, enhancer, gateway, method), stackNames: enhancer },
];
const notEncoded = (method: string, encoder = ENCODER) => (gateway: string): ExpectedLine[] => [{ message: replyNotEncoded(gateway, method, encoder) }];
const filterThrew = (filter: string, method: string, stackNames: string) => (gateway: string): ExpectedLine[] => [
  { message: filterFailed(filter, gateway, method), stackNames },
];
const nothingLogged = (): ExpectedLine[] => [];

const HANDLER_CELLS: ReplyCell[] = [
  { event: 'thenable', replies: (id) => [{ event: 'thenable', data: 'from a thenable', id }], logged: nothingLogged },
  { event: 'sync-throws', replies: internal('sync-throws'), logged: threw('syncThrows', 'syncThrows exploded') },
  { event: 'throws-non-error', replies: internal('throws-non-error'), logged: threw('throwsNonError', 'throwsNonError gave up') },
  { event: 'throws-opaque', replies: internal('throws-opaque'), logged: threw('throwsOpaque', '[object Object]') },
  {
    event: 'unencodable-details',
    replies: internal('unencodable-details'),
    logged: (gateway) => [{ message: errorNotEncoded(gateway, 'JsonEventCodec', 'BAD_DETAILS'), stackNames: 'BigInt' }],
  },
  { event: 'async-rejects', replies: internal('async-rejects'), logged: threw('asyncRejects', 'asyncRejects exploded') },
  { event: 'sync-unencodable', replies: internal('sync-unencodable'), logged: notEncoded('syncUnencodable') },
  { event: 'async-unencodable', replies: internal('async-unencodable'), logged: notEncoded('asyncUnencodable') },
  { event: 'observable-throws', replies: internal('observable-throws'), logged: threw('observableThrows', 'observableThrows exploded') },
  { event: 'observable-errors', replies: internal('observable-errors'), logged: threw('observableErrors', 'observableErrors exploded') },
  { event: 'observable-unencodable', replies: internal('observable-unencodable'), logged: notEncoded('observableUnencodable') },
];

const ENHANCER_CELLS: ReplyCell[] = [
  { event: 'guard-throws', replies: internal('guard-throws'), logged: enhancerThrew('guard', 'ThrowingGuard', 'guardThrows') },
  { event: 'guard-rejects', replies: internal('guard-rejects'), logged: enhancerThrew('guard', 'RejectingGuard', 'guardRejects') },
  {
    event: 'guard-refuses',
    replies: (id) => [{ event: 'error', data: { event: 'guard-refuses', code: 'FORBIDDEN', message: 'Forbidden resource' }, id }],
    logged: nothingLogged,
  },
  { event: 'pipe-throws', replies: internal('pipe-throws'), logged: enhancerThrew('pipe', 'ThrowingPipe', 'pipeThrows') },
  { event: 'pipe-rejects', replies: internal('pipe-rejects'), logged: enhancerThrew('pipe', 'RejectingPipe', 'pipeRejects') },
  { event: 'interceptor-throws', replies: internal('interceptor-throws'), logged: enhancerThrew('interceptor', 'ThrowingInterceptor', 'interceptorThrows') },
  { event: 'interceptor-errors', replies: internal('interceptor-errors'), logged: enhancerThrew('interceptor', 'ErroringInterceptor', 'interceptorErrors') },
  { event: 'interceptor-unencodable', replies: internal('interceptor-unencodable'), logged: notEncoded('interceptorUnencodable') },
];

const FILTER_CELLS: ReplyCell[] = [
  { event: 'filter-throws', replies: internal('filter-throws'), logged: filterThrew('EmittingFilter', 'filterThrows', 'EmittingFilter') },
  { event: 'async-filter-throws', replies: internal('async-filter-throws'), logged: filterThrew('EmittingFilter', 'asyncFilterThrows', 'EmittingFilter') },
  {
    event: 'observable-filter-throws',
    replies: internal('observable-filter-throws'),
    logged: filterThrew('EmittingFilter', 'observableFilterThrows', 'EmittingFilter'),
  },
  { event: 'filter-rethrows', replies: internal('filter-rethrows'), logged: filterThrew('RethrowingFilter', 'filterRethrows', 'filterRethrows exploded') },
  { event: 'filter-unencodable', replies: internal('filter-unencodable'), logged: (gateway) => [{ message: filterFailed('UnencodableFilter', gateway, 'filterUnencodable') }] },
  {
    event: 'filter-translates',
    replies: (id) => [{ event: 'error', data: { event: 'filter-translates', code: 'TRANSLATED', message: 'the filter translated it' }, id }],
    logged: nothingLogged,
  },
  // docs/gateways.md: a filter that returns nothing has answered the client itself.
  { event: 'filter-answers-itself', replies: () => [{ event: 'answered-by-filter', data: 'quietly' }], logged: nothingLogged },
];

const GATEWAYS = [
  { path: '/direct', gateway: 'DirectGateway', extensions: '' },
  { path: '/pipeline', gateway: 'PipelineGateway', extensions: '' },
  { path: '/deflate', gateway: 'DeflateGateway', extensions: 'permessage-deflate' },
  { path: '/scoped', gateway: 'ScopedGateway', extensions: '' },
];

describe('user code that fails at every gateway boundary', () => {
  let server: MisbehavingServer;
  let port: number;
  const clients: WsTestClient[] = [];

  /** The `ws` client offers permessage-deflate; only /deflate accepts it. */
  const connect = async (path: string, extensions = ''): Promise<WsTestClient> => {
    const client = await WsTestClient.connect(`ws://127.0.0.1:${port}${path}`);
    clients.push(client);
    expect(client.socket.extensions.split(';')[0]).toBe(extensions);
    return client;
  };

  /** The error lines logged since the last check are exactly `expected`, each naming its culprit; and nothing escaped. */
  const expectLogged = async (expected: ExpectedLine[]): Promise<void> => {
    const { faults, errors } = await server.report();
    expect(faults).toEqual([]);
    expect(errors.map(({ context, message }: ErrorLine) => ({ context, message }))).toEqual(expected.map(({ message }) => ({ context: 'WebSocket', message })));
    expected.forEach(({ stackNames }, i) => {
      if (stackNames !== undefined) expect(errors[i].stack).toContain(stackNames);
    });
  };

  /** Sends `event`, takes as many envelopes as expected, then proves with an echo that nothing else came and the connection serves. */
  const expectReplies = async (client: WsTestClient, event: string, expected: TestEnvelope[]): Promise<void> => {
    await client.sendEvent(event, undefined, event);
    const received: TestEnvelope[] = [];
    for (let i = 0; i < expected.length; i++) received.push(await client.nextEnvelope());
    await client.sendEvent('echo', 'still serving', 'echo');
    for (let envelope = await client.nextEnvelope(); envelope.id !== 'echo'; envelope = await client.nextEnvelope()) received.push(envelope);
    expect(received).toEqual(expected);
  };

  beforeAll(async () => {
    server = startMisbehavingServer();
    port = await server.startApp();
    await expectLogged([]);
  }, 90_000);

  // Each cell starts clean: what escaped during it (RxJS rethrows from a timer) fails it here;
  // error lines logged after its own check are dropped, so they cannot fail the next cell.
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    expect((await server.report()).faults).toEqual([]);
  });

  // Long enough for stop() to kill the process by PID when app.close() hangs.
  afterAll(async () => {
    await server?.stop();
  }, 30_000);

  describe.each(GATEWAYS)('handlers on $path', ({ path, gateway, extensions }) => {
    it.each([...HANDLER_CELLS, ...ENHANCER_CELLS, ...FILTER_CELLS])('$event: answers as documented and logs the culprit', async ({ event, replies, logged }) => {
      const client = await connect(path, extensions);

      await expectReplies(client, event, replies(event));
      await expectLogged(logged(gateway));
    });

    it('observable-unencodable-midway: sends what it could, then INTERNAL, and unsubscribes the stream', async () => {
      const client = await connect(path, extensions);

      await expectReplies(client, 'observable-unencodable-midway', [
        { event: 'observable-unencodable-midway', data: 1, id: 'observable-unencodable-midway' },
        ...internal('observable-unencodable-midway')('observable-unencodable-midway'),
      ]);
      await server.streamIdle(`${gateway}:observable-unencodable-midway`);
      await expectLogged(notEncoded('observableUnencodableMidway')(gateway));
    });

    /** The ways a client leaves: a close handshake, a FIN without one, or the socket destroyed. */
    const LEAVINGS: { how: string; leave(client: WsTestClient): Promise<unknown> }[] = [
      { how: 'closes', leave: (client) => client.close() },
      { how: 'half-closes (FIN, no close frame)', leave: async (client) => (client.socket as unknown as { _socket: Socket })._socket.end() },
      { how: 'drops the socket', leave: async (client) => client.terminate() },
    ];

    it.each(LEAVINGS)('observable-endless: is unsubscribed (its teardown runs) when the client $how', async ({ leave }) => {
      const client = await connect(path, extensions);

      expect(await client.request('observable-endless', undefined, 1)).toEqual({ event: 'observable-endless', data: 'started', id: 1 });
      await leave(client);
      await server.streamIdle(`${gateway}:observable-endless`);
      await expectLogged([]);
    });

    it('a burst of 200 endless Observables on one connection: all torn down when the client drops the socket', async () => {
      const client = await connect(path, extensions);
      const BURST = 200;

      for (let id = 0; id < BURST; id++) await client.sendEvent('observable-endless', undefined, id);
      for (let id = 0; id < BURST; id++) await client.nextEnvelope((envelope) => envelope.id === id, `the first emission for ${id}`);
      client.terminate();
      await server.streamIdle(`${gateway}:observable-endless`);
      await expectLogged([]);
    });

    it('a burst of 200 requests whose replies cannot be encoded: 200 INTERNAL answers, one line with its stack and one that counts the rest, and the connection serves', async () => {
      const client = await connect(path, extensions);
      const BURST = 200;

      for (let id = 0; id < BURST; id++) await client.sendEvent('observable-unencodable', undefined, id);
      for (let id = 0; id < BURST; id++) {
        expect(await client.nextEnvelope((envelope) => envelope.id === id, `the answer to ${id}`)).toEqual(internal('observable-unencodable')(id)[0]);
      }
      expect(await client.request('echo', 'still serving')).toMatchObject({ data: 'still serving' });
      const [line] = notEncoded('observableUnencodable')(gateway);
      await expectLogged([line, { message: errorsRepeated(line.message, BURST - 1, ERROR_LOG_WINDOW_MS) }]);
    });

    it.each([
      ['observable-endless-late', 'its handler returns it after the client left'],
      ['observable-endless-after-guard', 'its guard lets the handler run after the client left'],
    ])('%s: an Observable is never left subscribed when %s', async (event) => {
      const client = await connect(path, extensions);

      await client.sendEvent(event, undefined, 1);
      await client.close();
      await server.streamIdle(`${gateway}:${event}`);
      await expectLogged([]);
    });
  });

  describe('a raw handler', () => {
    it('answers a value JSON cannot encode with INTERNAL and logs the handler', async () => {
      const client = await connect('/raw');

      await client.sendRaw('unencodable');
      expect(await client.nextEnvelope()).toEqual({ event: 'error', data: { code: 'INTERNAL', message: internalError() } });
      await client.sendRaw('still serving');
      expect((await client.nextMessage()).data).toBe('still serving');
      await expectLogged(notEncoded('raw', 'JSON.stringify')('RawGateway'));
    });
  });

  describe('a codec that throws', () => {
    it('decode: answers INTERNAL (no id can be read) and logs the codec', async () => {
      const client = await connect('/faulty-codec');

      await client.sendRaw(JSON.stringify({ event: 'echo', data: CodecPoison.decode, id: 1 }));
      expect(await client.nextEnvelope()).toEqual({ event: 'error', data: { code: 'INTERNAL', message: internalError() } });
      expect(await client.request('echo', 'still serving', 2)).toEqual({ event: 'echo', data: 'still serving', id: 2 });
      await expectLogged([{ message: decodeFailed('FaultyCodecGateway', 'FaultyCodec'), stackNames: 'FaultyCodec.decode' }]);
    });

    it('encode, on a reply: answers INTERNAL and logs the handler and the codec', async () => {
      const client = await connect('/faulty-codec');

      await expectReplies(client, CodecPoison.encode, internal(CodecPoison.encode)(CodecPoison.encode));
      await expectLogged(notEncoded('codecEncodeThrows', 'FaultyCodec.encode')('FaultyCodecGateway'));
    });

    it('encode, returning neither a string nor a Buffer: answers INTERNAL and logs the handler and the codec', async () => {
      const client = await connect('/faulty-codec');

      await expectReplies(client, CodecPoison.wrongType, internal(CodecPoison.wrongType)(CodecPoison.wrongType));
      await expectLogged([
        { message: replyNotEncoded('FaultyCodecGateway', 'codecEncodesWrongType', 'FaultyCodec.encode'), stackNames: 'FaultyCodec.encode returned number' },
      ]);
    });

    it('encode, on the error envelope too: closes with 1011 and logs the codec', async () => {
      const client = await connect('/faulty-codec');

      await client.sendEvent('echo', 'fine', CodecPoison.everything);
      expect((await client.closed()).code).toBe(CloseCode.InternalError);
      await expectLogged([
        { message: replyNotEncoded('FaultyCodecGateway', 'echo', 'FaultyCodec.encode') },
        { message: internalNotEncoded('FaultyCodecGateway', 'FaultyCodec'), stackNames: 'FaultyCodec.encode' },
      ]);
    });
  });

  describe('lifecycle hooks', () => {
    it.each([
      ['throw', 'handleConnection exploded'],
      ['reject', 'handleConnection exploded'],
      ['throw-opaque', '[object Object]'],
    ])('handleConnection that does %s: closes that connection with 1011 and logs the hook', async (how, stackNames) => {
      const client = await connect(`/hooks?connect=${how}`);

      expect((await client.closed()).code).toBe(CloseCode.InternalError);
      await expectLogged([{ message: hookFailed('HooksGateway', 'handleConnection'), stackNames }]);
    });

    it.each(['throw', 'reject'])('handleDisconnect that does %s: the close completes and the hook is logged', async (how) => {
      const client = await connect(`/hooks?disconnect=${how}`);
      expect(await client.request('echo', 'fine', 1)).toEqual({ event: 'echo', data: 'fine', id: 1 });

      expect((await client.close()).code).toBe(1000);
      await server.errorLogged(hookFailed('HooksGateway', 'handleDisconnect'));
      await expectLogged([{ message: hookFailed('HooksGateway', 'handleDisconnect'), stackNames: 'handleDisconnect exploded' }]);
    });

    it('a connection-scoped instance whose provider throws: closes that connection with 1011 and logs the gateway', async () => {
      const client = await connect('/scoped?construct=throw');

      expect((await client.closed()).code).toBe(CloseCode.InternalError);
      await expectLogged([{ message: scopedInstanceFailed('ScopedGateway'), stackNames: 'ConnectionScope exploded' }]);
    });

    describe('that never finish', () => {
      /** Short, so that app.close() gives up on the hook soon; the waits below only fail a hang. */
      const closeTimeoutMs = 200;

      it('handleConnection: app.close() still completes (the client gets 1001), and logs the hook it gave up on', async () => {
        const otherPort = await server.startApp(undefined, closeTimeoutMs);
        const client = await WsTestClient.connect(`ws://127.0.0.1:${otherPort}/hooks?connect=hang`);
        clients.push(client);

        await server.closeApp(otherPort);
        expect((await client.closed()).code).toBe(1001);
        // Its connection's cleanup gave up on it first, so the shutdown did not have to.
        await expectLogged([{ message: connectHookUnfinished('HooksGateway', closeTimeoutMs) }]);
      });

      it('handleConnection, then the client leaves: its connection is cleaned up (rooms left) without waiting for it, and the hook is logged', async () => {
        const otherPort = await server.startApp(undefined, closeTimeoutMs);
        const client = await WsTestClient.connect(`ws://127.0.0.1:${otherPort}/hooks?connect=join-then-hang`);
        clients.push(client);
        expect(await server.members(otherPort, HANG_ROOM)).toHaveLength(1);

        client.terminate();
        await server.errorLogged(connectHookUnfinished('HooksGateway', closeTimeoutMs));
        expect(await server.members(otherPort, HANG_ROOM)).toEqual([]);
        await server.closeApp(otherPort);
        await expectLogged([{ message: connectHookUnfinished('HooksGateway', closeTimeoutMs) }]);
      });

      it('handleDisconnect: app.close() still completes, and logs the hook it gave up on', async () => {
        const otherPort = await server.startApp(undefined, closeTimeoutMs);
        const client = await WsTestClient.connect(`ws://127.0.0.1:${otherPort}/hooks?disconnect=hang`);

        expect((await client.close()).code).toBe(1000);
        await server.closeApp(otherPort);
        await expectLogged([{ message: hookUnfinished('HooksGateway', 'handleDisconnect', closeTimeoutMs) }]);
      });
    });

    it.each(['throw', 'reject'] as const)('afterInit that does %s: the application starts, logs the hook and serves', async (how) => {
      const otherPort = await server.startApp(how);
      const client = await WsTestClient.connect(`ws://127.0.0.1:${otherPort}/hooks`);
      clients.push(client);

      expect(await client.request('echo', 'fine', 1)).toEqual({ event: 'echo', data: 'fine', id: 1 });
      await expectLogged([{ message: hookFailed('HooksGateway', 'afterInit'), stackNames: 'afterInit exploded' }]);
    });
  });

  describe('handshake guards', () => {
    it.each(['throw', 'reject'])('a guard that does %s: answers 500 and logs the guard', async (how) => {
      const refusal = await WsTestClient.refusal(`ws://127.0.0.1:${port}/hooks?guard=${how}`);

      expect(refusal.status).toBe(500);
      await expectLogged([{ message: handshakeGuardFailed('HooksGateway', 'ExplodingHandshakeGuard'), stackNames: 'ExplodingHandshakeGuard' }]);
    });
  });
});
