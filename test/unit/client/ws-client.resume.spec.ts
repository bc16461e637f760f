import { MAX_RESUME_ROOMS } from '../../../lib/client/envelope';
import { fakeClient, settle } from './client-harness';
import { FakeWebSocket, SentEnvelope } from './fake-web-socket';

const restored = (session: string) => ({ session, restored: true, rooms: {} });

describe('WsClient resume', () => {
  beforeEach(() => {
    jest.useFakeTimers();
    FakeWebSocket.reset();
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  /** Drops the socket and opens the next one after the backoff (50 ms: 0.5 · 100). */
  const reconnect = async (): Promise<FakeWebSocket> => {
    FakeWebSocket.last.drop();
    await jest.advanceTimersByTimeAsync(50);
    FakeWebSocket.last.open();
    await settle();
    return FakeWebSocket.last;
  };

  /** A connected client whose first connection's $session push named A. */
  const connectedAsA = async (): Promise<void> => {
    const opened = fakeClient({ reconnect: { initialDelayMs: 100, maxDelayMs: 100 } }).connect();
    FakeWebSocket.last.open();
    await opened;
    FakeWebSocket.last.receive({ event: '$session', data: { id: 'A' } });
  };

  const resumeOf = (socket: FakeWebSocket): SentEnvelope | undefined => socket.envelopes.find((envelope) => envelope.event === '$resume');

  it('presents the newest session id at each reconnection (A → B → C)', async () => {
    await connectedAsA();

    const toB = await reconnect();
    toB.receive({ event: '$session', data: { id: 'B' } });
    toB.receive({ event: '$resume', data: restored('B'), id: resumeOf(toB)?.id });
    await settle();
    const toC = await reconnect();

    expect(resumeOf(toB)?.data).toEqual({ session: 'A', rooms: {} });
    expect(resumeOf(toC)?.data).toEqual({ session: 'B', rooms: {} });
  });

  it('presents only the rooms the restored session holds at the next reconnection: rooms it left are forgotten', async () => {
    await connectedAsA();
    for (let i = 0; i < 999; i++) FakeWebSocket.last.receive({ event: 'said', data: {}, room: `h:left-${i}`, offset: 1, epoch: 'e' });
    FakeWebSocket.last.receive({ event: 'said', data: {}, room: 'h:kept', offset: 7, epoch: 'e' });

    const toB = await reconnect();
    toB.receive({ event: '$session', data: { id: 'B' } });
    toB.receive({ event: '$resume', data: { session: 'B', restored: true, rooms: { 'h:kept': { recovered: true, epoch: 'e', offset: 7, replayed: 0 } } }, id: resumeOf(toB)?.id });
    await settle();
    toB.receive({ event: 'said', data: {}, room: 'h:new', offset: 2, epoch: 'e' });
    const toC = await reconnect();

    expect(Object.keys((resumeOf(toB)?.data as { rooms: object }).rooms)).toHaveLength(1000);
    expect(resumeOf(toC)?.data).toEqual({ session: 'B', rooms: { 'h:kept': { offset: 7, epoch: 'e' }, 'h:new': { offset: 2, epoch: 'e' } } });
  });

  it('presents at most the 1,000 rooms a $resume may name, the newest ones (a room left out is replayed from its join, its duplicates dropped)', async () => {
    await connectedAsA();
    for (let i = 0; i < 1500; i++) FakeWebSocket.last.receive({ event: 'said', data: {}, room: `h:${i}`, offset: 1, epoch: 'e' });

    const rooms = Object.keys((resumeOf(await reconnect())?.data as { rooms: object }).rooms);

    expect(rooms).toHaveLength(MAX_RESUME_ROOMS);
    expect(rooms.at(-1)).toBe('h:1499');
  });

  it('presents the id it was resuming again when the connection drops before the answer, not the unanswered connection’s own', async () => {
    await connectedAsA();

    const unanswered = await reconnect();
    unanswered.receive({ event: '$session', data: { id: 'B' } }); // B holds nothing unless the resume went through
    const next = await reconnect();

    expect(resumeOf(unanswered)?.data).toEqual({ session: 'A', rooms: {} });
    expect(resumeOf(next)?.data).toEqual({ session: 'A', rooms: {} });
  });
});
