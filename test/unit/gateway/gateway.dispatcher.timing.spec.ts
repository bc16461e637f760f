import { TestingModule } from '@nestjs/testing';
import { Gateway, MessageBody, OnMessage } from '../../../lib';
import { GatewayDefinition } from '../../../lib/gateway/gateway.explorer';
import { compileGateways, definitionOf, DispatcherHarness, dispatcherFor } from '../../helpers/dispatcher-harness';

/** The clock performance.now() reads in these tests: handlers move it by the work they stand for. */
let clockMs = 0;

@Gateway({ path: '/busy' })
class BusyGateway {
  @OnMessage('work')
  work(@MessageBody() ms: number): string {
    clockMs += ms;
    return 'done';
  }

  /** `before` ms until its first await, `after` ms once it resumes. */
  @OnMessage('work-async')
  async workAsync(@MessageBody() { before, after }: { before: number; after: number }): Promise<string> {
    clockMs += before;
    await Promise.resolve();
    clockMs += after;
    return 'done later';
  }
}

const message = (event: string, data: unknown): string => JSON.stringify({ event, data });

// Handler durations start when the transport took the message (the clock read of its socket read)
// or, for the second and later messages of one read, where the one before ended: none counts
// another's time, and one answered in its turn costs one clock read.
describe('GatewayDispatcher handler durations', () => {
  let moduleRef: TestingModule;
  let definitions: GatewayDefinition[];
  let harness: DispatcherHarness;

  beforeAll(async () => {
    ({ moduleRef, definitions } = await compileGateways([BusyGateway]));
    jest.spyOn(performance, 'now').mockImplementation(() => clockMs);
  });

  beforeEach(() => {
    clockMs = 1_000;
    harness = dispatcherFor(moduleRef, definitionOf(definitions, BusyGateway), { directCall: true });
  });

  afterAll(async () => {
    jest.restoreAllMocks();
    await moduleRef.close();
  });

  it('times the messages of one read each on its own, back to back: 3, 0 and 3 ms', () => {
    const { connection } = harness.connect('c1');
    const receivedAtMs = clockMs;

    for (const ms of [3, 0, 3]) harness.dispatcher.dispatch(connection, message('work', ms), receivedAtMs);

    expect(harness.durationsMs).toEqual([3, 0, 3]);
  });

  it('starts a message of a later read at that read, not where an earlier answer ended', () => {
    const { connection } = harness.connect('c1');
    harness.dispatcher.dispatch(connection, message('work', 3), clockMs);
    clockMs += 10; // the next read is handled 10 ms later; it took 2 ms to parse
    const laterReadAtMs = clockMs - 2;

    harness.dispatcher.dispatch(connection, message('work', 1), laterReadAtMs);

    expect(harness.durationsMs).toEqual([3, 3]);
  });

  it('counts an awaiting handler whole, and the next message of its read from the end of its first turn', async () => {
    const { connection } = harness.connect('c1');
    const receivedAtMs = clockMs;

    harness.dispatcher.dispatch(connection, message('work-async', { before: 2, after: 4 }), receivedAtMs);
    harness.dispatcher.dispatch(connection, message('work', 1), receivedAtMs);
    await harness.whenIdle();

    expect(harness.durationsMs).toEqual([1, 7]); // the sync one answers first; the async one: 2 + 1 (the other's turn ran meanwhile) + 4
  });
});
