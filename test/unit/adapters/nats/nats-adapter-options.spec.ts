// What a NatsAdapter refuses before it connects: a clear error at construction, or at module init
// for a module that asks for history without Redis (the NatsAdapter keeps history only in its `redis`).
import { NatsAdapter } from '../../../../lib';
import { JsonEventCodec } from '../../../../lib/codec/json-event.codec';
import { createRoomHistory } from '../../../../lib/history/create-room-history';
import { RoomsNode } from '../../../../lib/rooms/rooms-node';
import { LocalConnections } from '../../../../lib/session/local-connections';

describe('NatsAdapter options', () => {
  it.each([
    [{ servers: [] }, 'NatsAdapter needs servers, e.g. { servers: "nats://127.0.0.1:4222" }'],
    [{ servers: '' }, 'NatsAdapter needs servers, e.g. { servers: "nats://127.0.0.1:4222" }'],
    [{ servers: 'nats://h:4222', subjectPrefix: 'a.*' }, `NatsAdapter: subjectPrefix must be dot-separated tokens without spaces, '*' or '>', got "a.*"`],
    [{ servers: 'nats://h:4222', subjectPrefix: 'a..b' }, `NatsAdapter: subjectPrefix must be dot-separated tokens without spaces, '*' or '>', got "a..b"`],
    [{ servers: 'nats://h:4222', subjectPrefix: 'my app' }, `NatsAdapter: subjectPrefix must be dot-separated tokens without spaces, '*' or '>', got "my app"`],
  ])('refuses %j', (options, message) => {
    expect(() => new NatsAdapter(options)).toThrow(new Error(message));
  });

  it('accepts a prefix of several tokens and a list of servers, without connecting', () => {
    expect(new NatsAdapter({ servers: ['nats://a:4222', 'nats://b:4222'], subjectPrefix: 'acme.chat' }).stats()).toEqual({ isConnected: false, undelivered: 0, outages: 0 });
  });

  it('makes a module with history refuse to start, naming the adapter', () => {
    const node = { local: { rooms: { members: () => new Set<string>() } } } as unknown as RoomsNode;
    const adapter = new NatsAdapter({ servers: 'nats://127.0.0.1:1' });

    expect(() => createRoomHistory({ rooms: ['h:*'] }, adapter, node, new JsonEventCodec(), new LocalConnections())).toThrow(
      'history: the NatsAdapter keeps no history without Redis: give it `redis` (new NatsAdapter({ servers, redis: { url } }))',
    );
  });

  it('keeps history in Redis when given `redis`, without connecting to either', () => {
    const node = { local: { rooms: { members: () => new Set<string>() } } } as unknown as RoomsNode;
    const adapter = new NatsAdapter({ servers: 'nats://127.0.0.1:1', redis: { url: 'redis://127.0.0.1:1' } });

    expect(createRoomHistory({ rooms: ['h:*'] }, adapter, node, new JsonEventCodec(), new LocalConnections())).toBeDefined();
    expect(adapter.stats()).toEqual({ isConnected: false, undelivered: 0, outages: 0 });
  });
});
