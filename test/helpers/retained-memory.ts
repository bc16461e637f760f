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
