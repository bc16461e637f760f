import { IpcAdapter } from '../adapters/ipc/ipc.adapter';
import { MemoryAdapter } from '../adapters/memory/memory.adapter';
import { NatsAdapter } from '../adapters/nats/nats.adapter';
import { RedisAdapter } from '../adapters/redis/redis.adapter';
import { EventCodec } from '../codec/event-codec.interface';
import { RoomsAdapter } from '../rooms/rooms-adapter.interface';
import type { RoomsNode } from '../rooms/rooms-node';
import { LocalConnections } from '../session/local-connections';
import { HistoryBackend, HistoryBackendContext } from './history-backend.interface';
import { HistoryOptions, resolveHistoryOptions } from './history-options.interface';
import { IpcHistory } from './ipc/ipc-history';
import { MemoryHistory } from './memory-history';
import { RedisHistory } from './redis/redis-history';
import { RetainedDelivery } from './retained-delivery';
import { RoomHistory } from './room-history.service';

/** The module's RoomHistory, kept where the adapter keeps rooms (this process, Redis Streams, or a cluster's primary). */
export function createRoomHistory(options: HistoryOptions, adapter: RoomsAdapter, node: RoomsNode, codec: EventCodec, local: LocalConnections): RoomHistory {
  const resolved = resolveHistoryOptions(options);
  const delivery = new RetainedDelivery(codec, local);
  const membersOf = (room: string): Iterable<string> => node.local.rooms.members(room);
  return new RoomHistory(resolved, backendFor(adapter, { options: resolved, delivery }, membersOf), delivery, node);
}

// History sits above the adapters and picks its storage by the adapter's class: the adapters know
// nothing of history, the RedisAdapter only lends its Redis (RedisHistoryLink).
function backendFor(adapter: RoomsAdapter, context: HistoryBackendContext, membersOf: (room: string) => Iterable<string>): HistoryBackend {
  if (adapter instanceof MemoryAdapter) return new MemoryHistory(context, membersOf);
  // A NatsAdapter keeps history in its Redis (`redis`), and refuses without one.
  if (adapter instanceof RedisAdapter || adapter instanceof NatsAdapter) {
    const link = adapter.historyLink();
    const backend = new RedisHistory(context, link, membersOf);
    link.onRetained((bytes) => backend.receive(bytes));
    link.onGap((resubscribed) => void backend.fillGap(resubscribed));
    link.onUnsubscribed((room) => backend.gaps.forget(room));
    return backend;
  }
  if (adapter instanceof IpcAdapter) {
    const link = adapter.historyLink();
    const backend = new IpcHistory(context, link, membersOf);
    link.onRetained((message) => backend.receive(message));
    return backend;
  }
  throw new Error(`history: the ${adapter.constructor.name} keeps no history (the MemoryAdapter, the RedisAdapter, the NatsAdapter with Redis and the IpcAdapter do)`);
}
