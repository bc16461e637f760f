import { EventCodec } from '../codec/event-codec.interface';
import { LocalConnections } from '../session/local-connections';
import { RoomsAdapter } from '../rooms/rooms-adapter.interface';
import type { RoomsNode } from '../rooms/rooms-node';
import { HistoryOptions, resolveHistoryOptions } from './history-options.interface';
import { RetainedDelivery } from './retained-delivery';
import { RoomHistory } from './room-history.service';

/** The module's RoomHistory: the adapter supplies the storage (memory or Redis Streams). */
export function createRoomHistory(options: HistoryOptions, adapter: RoomsAdapter, node: RoomsNode, codec: EventCodec, local: LocalConnections): RoomHistory {
  if (typeof adapter.history !== 'function') throw new Error(`history: the ${adapter.constructor.name} keeps no history (the MemoryAdapter and the RedisAdapter do)`);
  const resolved = resolveHistoryOptions(options);
  const delivery = new RetainedDelivery(codec, local);
  return new RoomHistory(resolved, adapter.history({ options: resolved, delivery }), delivery, node);
}
