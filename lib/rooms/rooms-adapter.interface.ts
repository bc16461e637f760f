import type { Broker } from './broker.interface';
import type { PresenceStore } from './presence-store.interface';

export type { AdapterStats, NodeInfo } from './broker.interface';
export type { PresenceChange, PresenceEncoder, PresenceMember, PresenceMeta } from './presence-store.interface';

/**
 * Where room membership is kept across nodes and how frames reach the other nodes: nowhere else
 * (the default MemoryAdapter) or through Redis (RedisAdapter). An adapter is a `Broker` and a
 * `PresenceStore`; this node's own members are `Rooms`' business, so swapping the adapter changes
 * nothing in application code.
 */
export interface RoomsAdapter extends Broker, PresenceStore {}
export const RoomsAdapter = Symbol('RoomsAdapter');
