// History picks its storage by the adapter (the adapters know nothing of history): this process for
// the MemoryAdapter, Redis Streams for the RedisAdapter, the cluster's primary for the IpcAdapter, and a
// clear refusal for any other adapter.
import { IpcAdapter } from '../../../lib/adapters/ipc/ipc.adapter';
import { MemoryAdapter } from '../../../lib/adapters/memory/memory.adapter';
import { RedisAdapter } from '../../../lib/adapters/redis/redis.adapter';
import { JsonEventCodec } from '../../../lib/codec/json-event.codec';
import { createRoomHistory } from '../../../lib/history/create-room-history';
import { IpcHistory } from '../../../lib/history/ipc/ipc-history';
import { MemoryHistory } from '../../../lib/history/memory-history';
import { RedisHistory } from '../../../lib/history/redis/redis-history';
import { RoomsAdapter } from '../../../lib/rooms/rooms-adapter.interface';
import { RoomsNode } from '../../../lib/rooms/rooms-node';
import { LocalConnections } from '../../../lib/session/local-connections';

const node = { local: { rooms: { members: () => new Set<string>() } } } as unknown as RoomsNode;
const create = (adapter: RoomsAdapter) => createRoomHistory({ rooms: ['h:*'] }, adapter, node, new JsonEventCodec(), new LocalConnections());

describe('createRoomHistory', () => {
  it('keeps the history of a MemoryAdapter in this process', () => {
    expect(create(new MemoryAdapter()).backend).toBeInstanceOf(MemoryHistory);
  });

  it('keeps the history of a RedisAdapter in Redis Streams, without connecting before the adapter starts', () => {
    expect(create(new RedisAdapter({ url: 'redis://127.0.0.1:1' })).backend).toBeInstanceOf(RedisHistory);
  });

  it('keeps the history of an IpcAdapter on the primary, without a channel before the adapter starts', () => {
    expect(create(new IpcAdapter()).backend).toBeInstanceOf(IpcHistory);
  });

  it('refuses an adapter that keeps no history, naming it', () => {
    class NatsLikeAdapter {}

    expect(() => create(new NatsLikeAdapter() as unknown as RoomsAdapter)).toThrow(
      new Error('history: the NatsLikeAdapter keeps no history (the MemoryAdapter, the RedisAdapter, the NatsAdapter with Redis and the IpcAdapter do)'),
    );
  });
});
