// What a fuzz target throws when the code under test broke a promise: the fuzzer records the
// input as a crash. Anything else thrown by the code under test is a crash too.
export class InvariantViolation extends Error {
  override readonly name = 'InvariantViolation';
}

export function invariant(condition: unknown, message: () => string): asserts condition {
  if (!condition) throw new InvariantViolation(message());
}

/** Runs `work`, turning an exception the API does not promise into a labelled crash. */
export function mustNotThrow<T>(what: string, work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof InvariantViolation) throw error;
    throw new InvariantViolation(`${what} threw ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
  }
}

/** A small deterministic PRNG (mulberry32), so a crash replays exactly from its input. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
