import { TransportSwitch } from '../../../lib/client/transport-switch';
import { FakeWebSocket } from './fake-web-socket';

const FALLBACK = { probeDelayMs: 100, maxProbeDelayMs: 350 };
const URL = 'ws://server.test/chat';

/** Moves the fake clock 1 ms at a time until a new WebSocket (a probe) is made; how long that took. */
function msUntilProbe(): number {
  const before = FakeWebSocket.sockets.length;
  for (let waitedMs = 1; waitedMs <= 10_000; waitedMs++) {
    jest.advanceTimersByTime(1);
    if (FakeWebSocket.sockets.length > before) return waitedMs;
  }
  throw new Error('no probe within 10 s');
}

describe('TransportSwitch: which transport the next attempt uses', () => {
  let probeOpened: jest.Mock;

  beforeEach(() => {
    jest.useFakeTimers();
    FakeWebSocket.reset();
    probeOpened = jest.fn();
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  it('starts on WebSocket, and on the fallback where there is none', () => {
    expect(new TransportSwitch(FakeWebSocket, FALLBACK, probeOpened).current).toBe('websocket');
    expect(new TransportSwitch(undefined, FALLBACK, probeOpened).current).toBe('sse');
  });

  it('moves to the fallback at once when a WebSocket fails before it opens, and back (after backoff) when the fallback does', () => {
    const transports = new TransportSwitch(FakeWebSocket, FALLBACK, probeOpened);

    transports.closed(false);
    expect([transports.current, transports.takeSwitchPending(), transports.takeSwitchPending()]).toEqual(['sse', true, false]);

    transports.closed(false);
    expect([transports.current, transports.takeSwitchPending()]).toEqual(['websocket', false]);
  });

  it('stays on its transport after a drop of an open connection', () => {
    const transports = new TransportSwitch(FakeWebSocket, FALLBACK, probeOpened);
    transports.closed(false); // to the fallback

    transports.closed(true);

    expect(transports.current).toBe('sse');
  });

  it('never leaves WebSocket with the fallback off', () => {
    const transports = new TransportSwitch(FakeWebSocket, false, probeOpened);

    transports.closed(false);

    expect(transports.current).toBe('websocket');
  });

  it('on the fallback, probes WebSocket with doubling delays up to the cap, and moves up when a probe opens', () => {
    const transports = new TransportSwitch(FakeWebSocket, FALLBACK, probeOpened);
    transports.closed(false);
    transports.opened(() => URL, undefined);

    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      delays.push(msUntilProbe());
      FakeWebSocket.last.drop();
    }
    delays.push(msUntilProbe());
    FakeWebSocket.last.open();

    expect(delays).toEqual([100, 200, 350, 350, 350]);
    expect(FakeWebSocket.last.closeCall).toEqual({ code: 1000, reason: undefined });
    expect(probeOpened).toHaveBeenCalledTimes(1);
    expect([transports.current, transports.takeSwitchPending()]).toEqual(['websocket', true]);
  });

  it('stops probing when the connection closes, closing a probe in flight', () => {
    const transports = new TransportSwitch(FakeWebSocket, FALLBACK, probeOpened);
    transports.closed(false);
    transports.opened(() => URL, undefined);
    jest.advanceTimersByTime(100);
    const probe = FakeWebSocket.last;

    transports.stopProbing();
    probe.open();
    jest.advanceTimersByTime(10_000);

    expect(probe.closeCall?.code).toBe(1000);
    expect(FakeWebSocket.sockets).toHaveLength(1);
    expect(probeOpened).not.toHaveBeenCalled();
  });
});
