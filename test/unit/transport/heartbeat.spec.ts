import { Connection } from '../../../lib/transport/connection';
import { Heartbeat } from '../../../lib/transport/heartbeat';

/** What Heartbeat uses of a Connection: ping(), terminate() and pongSeenSinceLastCheck(). */
class FakeConnection {
  readonly ping = jest.fn();
  readonly terminate = jest.fn();
  private hasPong = false;

  /** What Connection does when a pong frame arrives. */
  receivePong(): void {
    this.hasPong = true;
  }

  pongSeenSinceLastCheck(): boolean {
    const hasPong = this.hasPong;
    this.hasPong = false;
    return hasPong;
  }

  asConnection(): Connection {
    return this as unknown as Connection;
  }
}

describe('Heartbeat', () => {
  let heartbeat: Heartbeat | undefined;

  beforeEach(() => jest.useFakeTimers());
  afterEach(() => {
    heartbeat?.stop();
    jest.useRealTimers();
  });

  const start = (intervalMs: number, maxMissedPongs: number, ...connections: FakeConnection[]): Heartbeat => {
    heartbeat = new Heartbeat({ intervalMs, maxMissedPongs });
    for (const connection of connections) heartbeat.add(connection.asConnection());
    return heartbeat;
  };

  it('pings every connection once per interval', () => {
    const connection = new FakeConnection();
    start(100, 5, connection);

    jest.advanceTimersByTime(99);
    expect(connection.ping).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(connection.ping).toHaveBeenCalledTimes(1);
    jest.advanceTimersByTime(300);
    expect(connection.ping).toHaveBeenCalledTimes(4);
  });

  it('terminates a connection on the tick after maxMissedPongs pings went unanswered', () => {
    const connection = new FakeConnection();
    start(100, 2, connection);

    jest.advanceTimersByTime(200);
    expect(connection.ping).toHaveBeenCalledTimes(2);
    expect(connection.terminate).not.toHaveBeenCalled();

    jest.advanceTimersByTime(100);
    expect(connection.terminate).toHaveBeenCalledTimes(1);
    expect(connection.ping).toHaveBeenCalledTimes(2);
  });

  it('keeps a connection that answers every ping with a pong', () => {
    const connection = new FakeConnection();
    connection.ping.mockImplementation(() => connection.receivePong());
    start(100, 2, connection);

    jest.advanceTimersByTime(1_000);

    expect(connection.ping).toHaveBeenCalledTimes(10);
    expect(connection.terminate).not.toHaveBeenCalled();
  });

  it('counts missed pongs again from zero after a pong', () => {
    const connection = new FakeConnection();
    start(100, 2, connection);

    jest.advanceTimersByTime(200); // two pings unanswered
    connection.receivePong();
    jest.advanceTimersByTime(200); // two more pings, still within the limit
    expect(connection.terminate).not.toHaveBeenCalled();

    jest.advanceTimersByTime(100);
    expect(connection.terminate).toHaveBeenCalledTimes(1);
  });

  it('stops pinging a connection once it has closed', () => {
    const connection = new FakeConnection();
    start(100, 2, connection);

    jest.advanceTimersByTime(100);
    heartbeat?.delete(connection.asConnection());
    jest.advanceTimersByTime(1_000);

    expect(connection.ping).toHaveBeenCalledTimes(1);
    expect(connection.terminate).not.toHaveBeenCalled();
  });

  it('uses one timer for all its connections', () => {
    const first = new FakeConnection();
    const second = new FakeConnection();
    start(100, 2, first, second);

    expect(jest.getTimerCount()).toBe(1);
    jest.advanceTimersByTime(100);
    expect(first.ping).toHaveBeenCalledTimes(1);
    expect(second.ping).toHaveBeenCalledTimes(1);
  });

  it('terminates only the connection that stopped answering', () => {
    const answering = new FakeConnection();
    answering.ping.mockImplementation(() => answering.receivePong());
    const silent = new FakeConnection();
    start(100, 1, answering, silent);

    jest.advanceTimersByTime(500);

    expect(silent.terminate).toHaveBeenCalledTimes(1);
    expect(answering.terminate).not.toHaveBeenCalled();
    expect(answering.ping).toHaveBeenCalledTimes(5);
  });

  it('sends no pings and starts no timer when intervalMs is 0', () => {
    const connection = new FakeConnection();
    start(0, 2, connection);

    expect(jest.getTimerCount()).toBe(0);
    jest.advanceTimersByTime(60_000);
    expect(connection.ping).not.toHaveBeenCalled();
  });

  it('pings a terminated connection no more, even before its close is reported', () => {
    const connection = new FakeConnection();
    start(100, 1, connection);

    jest.advanceTimersByTime(200);
    expect(connection.terminate).toHaveBeenCalledTimes(1);
    jest.advanceTimersByTime(1_000);

    expect(connection.ping).toHaveBeenCalledTimes(1);
    expect(connection.terminate).toHaveBeenCalledTimes(1);
  });

  it('sends no more pings after stop()', () => {
    const connection = new FakeConnection();
    start(100, 2, connection).stop();

    jest.advanceTimersByTime(1_000);

    expect(connection.ping).not.toHaveBeenCalled();
    expect(jest.getTimerCount()).toBe(0);
  });
});
