import { MemoryAdapter } from '../../../lib/adapters/memory/memory.adapter';
import { WebSocketStats } from '../../../lib/observability/websocket-stats';
import { startFakeNode } from '../../helpers/rooms-node';

describe('WebSocketStats', () => {
  const statsWithRooms = async (rooms: string[]): Promise<WebSocketStats> => {
    const adapter = new MemoryAdapter();
    const { node } = await startFakeNode(adapter, rooms.map((room) => `member-of-${room}`));
    for (const room of rooms) await node.join(`member-of-${room}`, room);
    return new WebSocketStats(adapter);
  };

  it('sums the gateways into totals and keeps each gateway’s figures under its name', async () => {
    const stats = await statsWithRooms(['a', 'b']);
    const chat = stats.forGateway('ChatGateway', '/chat');
    const echo = stats.forGateway('EchoGateway', '/echo');
    chat.connectionOpened();
    chat.connectionOpened();
    echo.connectionOpened();
    chat.messagesIn += 5;
    echo.messagesIn += 2;
    chat.bytesOut += 100;
    chat.errorSent('UNKNOWN_EVENT');
    echo.errorSent('UNKNOWN_EVENT');
    echo.errorSent('INTERNAL');
    chat.connectionClosed(1000);
    echo.connectionClosed(1006);

    const snapshot = await stats.snapshot();

    expect(snapshot).toMatchObject({
      connections: 1,
      connectionsOpened: 3,
      rooms: 2,
      messagesIn: 7,
      bytesOut: 100,
      errors: { UNKNOWN_EVENT: 2, INTERNAL: 1 },
      closes: { '1000': 1, '1006': 1 },
    });
    expect(snapshot.gateways.ChatGateway).toMatchObject({ path: '/chat', connections: 1, connectionsOpened: 2, messagesIn: 5, closes: { '1000': 1 } });
    expect(snapshot.gateways.EchoGateway).toMatchObject({ path: '/echo', connections: 0, errors: { UNKNOWN_EVENT: 1, INTERNAL: 1 } });
  });

  it('gives the same counters for a gateway asked twice', () => {
    const stats = new WebSocketStats(new MemoryAdapter());

    expect(stats.forGateway('ChatGateway', '/chat')).toBe(stats.forGateway('ChatGateway', '/chat'));
  });

  it('counts dropped messages by reason and slow consumers apart from other closes', async () => {
    const stats = new WebSocketStats(new MemoryAdapter());
    const gateway = stats.forGateway('G', '/g');
    gateway.droppedOverflow += 3;
    gateway.rateLimitExceeded();
    gateway.slowConsumerCloses++;

    const snapshot = await stats.snapshot();

    expect(snapshot.droppedMessages).toEqual({ overflow: 3, rateLimit: 1 });
    expect(snapshot.slowConsumerCloses).toBe(1);
  });

  it('counts handshake refusals by status', async () => {
    const stats = new WebSocketStats(new MemoryAdapter());
    stats.handshakeRefused(403);
    stats.handshakeRefused(403);
    stats.handshakeRefused(503);

    expect((await stats.snapshot()).handshakeRefusals).toEqual({ '403': 2, '503': 1 });
  });

  it('tells duration listeners about each handled message until they are removed', async () => {
    const stats = new WebSocketStats(new MemoryAdapter());
    const gateway = stats.forGateway('G', '/g');
    const heard: [string, string | undefined, number][] = [];
    const stop = stats.onHandlerDuration((name, event, ms) => heard.push([name, event, ms]));

    gateway.handled(gateway.recorderFor('join'), 1.5);
    gateway.handled(gateway.recorderFor(undefined), 0.2);
    stop();
    gateway.handled(gateway.recorderFor('join'), 3);

    expect(heard).toEqual([
      ['G', 'join', 1.5],
      ['G', undefined, 0.2],
    ]);
    expect((await stats.snapshot()).handlerLatency.count).toBe(3);
  });

  it('reports serving only between the runtime’s start and the beginning of its shutdown', async () => {
    const stats = new WebSocketStats(new MemoryAdapter());
    const before = (await stats.snapshot()).isServing;
    stats.setServing(true);
    const serving = stats.isServing;
    stats.setServing(false);

    expect([before, serving, stats.isServing]).toEqual([false, true, false]);
  });

  it('takes the adapter’s link state into the snapshot', async () => {
    const adapter = new MemoryAdapter();
    jest.spyOn(adapter, 'stats').mockReturnValue({ isConnected: false, undelivered: 4, outages: 2 });

    expect((await new WebSocketStats(adapter).snapshot()).adapter).toEqual({ isConnected: false, undelivered: 4, outages: 2 });
  });
});
