// What the process still holds after a full collection: the heap in use plus the memory of
// ArrayBuffers (Buffers), for tests that count the cost of queued objects in-process.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** Heap used plus ArrayBuffer bytes, after two full collections. */
export function retainedBytes(): number {
  const { heapUsed, arrayBuffers } = usageAfterCollections();
  return heapUsed + arrayBuffers;
}

/**
 * ArrayBuffer bytes (Buffers) still held after two full collections: for a test that counts payloads,
 * undisturbed by heap objects an earlier test file of the same Jest worker leaves to the collector.
 */
export function retainedArrayBufferBytes(): number {
  return usageAfterCollections().arrayBuffers;
}

function usageAfterCollections(): NodeJS.MemoryUsage {
  collectGarbage();
  collectGarbage();
  return process.memoryUsage();
}

/**
 * The least `measure()` (retainedBytes() unless told) over `collections` tries, with a turn of the event loop between them:
 * ArrayBuffers found dead are freed by a sweeper that can lag a collection or more on a loaded
 * machine, and a closed socket's last callbacks run on the next turn. Bounded by count, not time.
 */
export async function settledRetainedBytes(collections = 6, measure: () => number = retainedBytes): Promise<number> {
  let least = measure();
  for (let i = 1; i < collections; i++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    least = Math.min(least, measure());
  }
  return least;
}
