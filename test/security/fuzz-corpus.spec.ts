import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { seededRandom } from '../fuzz/invariant';
import { SEEDS } from '../fuzz/seeds';
import { FUZZ_TARGETS, FuzzTargetName } from '../fuzz/targets';

// Every input committed under test/fuzz/corpus/ (the seeds, and any crash a fuzzing run found,
// kept as a regression) goes through its fuzz target here, in-process, on every test run; then a
// few thousand reproducible mutations of them. `npm run fuzz` is the coverage-guided search.

const CORPUS = join(__dirname, '..', 'fuzz', 'corpus');
const MUTATIONS = 2000;

type FuzzTarget = (data: Buffer) => void;
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the targets are picked by name, as the fuzzer loads them
const load = (target: FuzzTargetName): FuzzTarget => (require(join(__dirname, '..', 'fuzz', 'targets', `${target}.fuzz.ts`)) as { fuzz: FuzzTarget }).fuzz;
const committed = (target: FuzzTargetName): [string, Buffer][] =>
  readdirSync(join(CORPUS, target))
    .sort()
    .map((file) => [file, readFileSync(join(CORPUS, target, file))]);

/** Flips, inserts, deletes and splices bytes, as a mutation-based fuzzer does. */
function mutate(input: Buffer, other: Buffer, random: () => number): Buffer {
  const bytes = [...input];
  const count = 1 + Math.floor(random() * 4);
  for (let i = 0; i < count; i++) {
    const at = Math.floor(random() * (bytes.length + 1));
    switch (Math.floor(random() * 5)) {
      case 0:
        if (bytes.length > 0) bytes[at % bytes.length] ^= 1 << Math.floor(random() * 8);
        break;
      case 1:
        bytes.splice(at, 0, Math.floor(random() * 256));
        break;
      case 2:
        bytes.splice(at, 1 + Math.floor(random() * 4));
        break;
      case 3:
        if (bytes.length > 0) bytes[at % bytes.length] = [0x00, 0x7f, 0x80, 0xff, 0x7e, 0x0a, 0x22, 0x2c][Math.floor(random() * 8)];
        break;
      default:
        bytes.splice(at, 0, ...other.subarray(Math.floor(random() * other.length)).subarray(0, 16));
    }
  }
  return Buffer.from(bytes);
}

describe.each(FUZZ_TARGETS)('fuzz target %s', (target) => {
  const fuzz = load(target);
  const corpus = committed(target);

  it('has its seeds from test/fuzz/seeds.ts committed (npm run fuzz -- --write-seeds)', () => {
    const files = new Map(corpus);
    for (const [name, bytes] of Object.entries(SEEDS[target])) expect({ name, bytes: files.get(`seed-${name}`)?.toString('hex') }).toEqual({ name, bytes: bytes.toString('hex') });
  });

  it.each(corpus.map(([file, bytes]) => ({ file, bytes })))('keeps its invariants on committed input $file', ({ bytes }) => {
    expect(() => fuzz(bytes)).not.toThrow();
  });

  it(`keeps its invariants on ${MUTATIONS} reproducible mutations of its corpus`, () => {
    const random = seededRandom(0x5eed);
    for (let i = 0; i < MUTATIONS; i++) {
      const input = mutate(corpus[i % corpus.length][1], corpus[Math.floor(random() * corpus.length)][1], random);
      try {
        fuzz(input);
      } catch (error) {
        throw new Error(`mutation ${i} (${input.toString('hex')}) broke ${target}: ${(error as Error).message}`);
      }
    }
  });
});
