// What the process still holds after a full collection: the heap in use plus the memory of
// ArrayBuffers (Buffers), for tests that count the cost of queued objects in-process.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** Heap used plus ArrayBuffer bytes, after two full collections. */
export function retainedBytes(): number {
  collectGarbage();
  collectGarbage();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

/**
 * The least retainedBytes() over `collections` tries, with a turn of the event loop between them:
 * ArrayBuffers found dead are freed by a sweeper that can lag a collection or more on a loaded
 * machine, and a closed socket's last callbacks run on the next turn. Bounded by count, not time.
 */
export async function settledRetainedBytes(collections = 6): Promise<number> {
  let least = retainedBytes();
  for (let i = 1; i < collections; i++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    least = Math.min(least, retainedBytes());
  }
  return least;
}
