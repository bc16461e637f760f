/** A small deterministic PRNG (mulberry32): the same seed gives the same splittings on every run. */
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

/** Cuts `bytes` at the given offsets; every chunk is a fresh copy, never a view of `bytes`. */
export function splitAt(bytes: Buffer, offsets: readonly number[]): Buffer[] {
  const cuts = [...new Set(offsets.filter((offset) => offset > 0 && offset < bytes.length))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let start = 0;
  for (const cut of [...cuts, bytes.length]) {
    chunks.push(Buffer.from(bytes.subarray(start, cut)));
    start = cut;
  }
  return chunks;
}

const RANDOM_SPLITTINGS = 5;
/** Up to this size, also every way of cutting the bytes in two (a frame boundary is then a chunk boundary). */
const EVERY_TWO_PIECES_MAX_BYTES = 256;
/** How often a random splitting cuts between two bytes, one rate per splitting. */
const CUT_RATES = [0.5, 0.2, 0.05, 0.01, 0.001];

/**
 * Runs `run` with the whole buffer, with 1-byte chunks, cut in two at every offset (up to 256 bytes)
 * and with seeded random splittings.
 * Each run gets fresh copies: the FrameParser unmasks in place, so no two runs share bytes.
 * A failing run is reported with the splitting it used.
 */
export function forEachChunking(bytes: Buffer, run: (chunks: Buffer[]) => void): void {
  const splittings: Array<{ name: string; offsets: number[] }> = [
    { name: 'whole', offsets: [] },
    { name: '1-byte chunks', offsets: Array.from({ length: bytes.length }, (_, i) => i) },
  ];
  if (bytes.length <= EVERY_TWO_PIECES_MAX_BYTES) {
    for (let cut = 1; cut < bytes.length; cut++) splittings.push({ name: `two pieces`, offsets: [cut] });
  }
  for (let r = 0; r < RANDOM_SPLITTINGS; r++) {
    const random = seededRandom(0x5eed + r * 7919 + bytes.length);
    const offsets: number[] = [];
    for (let i = 1; i < bytes.length; i++) if (random() < CUT_RATES[r]) offsets.push(i);
    if (offsets.length === 0 && bytes.length > 1) offsets.push(1 + Math.floor(random() * (bytes.length - 1)));
    splittings.push({ name: `random splitting #${r}`, offsets });
  }
  for (const { name, offsets } of splittings) {
    try {
      run(splitAt(bytes, offsets));
    } catch (error) {
      if (error instanceof Error) error.message = `[${name}, cuts at ${offsets.slice(0, 20).join(',')}${offsets.length > 20 ? ',…' : ''}] ${error.message}`;
      throw error;
    }
  }
}
