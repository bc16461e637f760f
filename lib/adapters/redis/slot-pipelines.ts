import type { ChainableCommander } from 'ioredis';
import { slotOf } from './cluster-slot';
import { RedisCommandClient } from './redis-clients';

/**
 * Runs one command per item, pipelined: in one pipeline on a single Redis, in one pipeline per hash
 * slot on a Redis Cluster (a cluster pipeline must stay on one node, and its keys on one slot).
 * Rejects with the first command's error once all have run.
 */
export async function pipelineBySlot<T>(
  client: RedisCommandClient,
  items: Iterable<T>,
  keyOf: (item: T) => string,
  add: (pipeline: ChainableCommander, item: T) => void,
): Promise<void> {
  const groups = new Map<number, T[]>();
  for (const item of items) {
    const slot = client.isCluster ? slotOf(keyOf(item)) : 0;
    const group = groups.get(slot);
    if (group) group.push(item);
    else groups.set(slot, [item]);
  }
  const results = await Promise.all(
    [...groups.values()].map((group) => {
      const pipeline = client.pipeline();
      for (const item of group) add(pipeline, item);
      return pipeline.exec();
    }),
  );
  const failure = results.flatMap((result) => result ?? []).find(([error]) => error);
  if (failure) throw failure[0];
}
