// The order Jest runs suites in (test/setup/slow-first.sequencer.cjs): longest first, by Jest's own
// record, else by test/setup/suite-seconds.json, a suite on neither in between; failed ones first.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from '@jest/test-result';
import HasteMap from 'jest-haste-map';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the sequencer is the plain CommonJS file Jest loads
const SlowFirstSequencer: new () => { sort(tests: Test[]): Test[] } = require('../../setup/slow-first.sequencer.cjs');
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the record the sequencer reads
const RECORDED_SECONDS: Record<string, number> = require('../../setup/suite-seconds.json');

const ROOT = join(__dirname, '..', '..', '..');
const onRecord = Object.entries(RECORDED_SECONDS).sort(([, a], [, b]) => b - a);
const [longest, shortest] = [onRecord[0][0], onRecord[onRecord.length - 1][0]];

/** Suites as Jest hands them to a sequencer; with `cacheDirectory`, Jest's own record of the last run is read from there. */
function suites(paths: readonly string[], cacheDirectory?: string): Test[] {
  const config = { rootDir: ROOT, cache: cacheDirectory !== undefined, cacheDirectory: cacheDirectory ?? tmpdir(), id: 'slow-first-spec', haste: {} };
  const context = { config } as unknown as Test['context'];
  return paths.map((path) => ({ path: join(ROOT, path), context, duration: undefined }));
}

const order = (tests: Test[]): string[] => new SlowFirstSequencer().sort(tests).map((test) => test.path.slice(ROOT.length + 1));

describe('SlowFirstSequencer', () => {
  it('runs the longest recorded suite first, one not on record next, the shortest recorded last', () => {
    expect(order(suites([shortest, 'test/unit/not-recorded.spec.ts', longest]))).toEqual([longest, 'test/unit/not-recorded.spec.ts', shortest]);
  });

  it("prefers Jest's own record of the last run, and runs the suites that failed in it first", () => {
    const cacheDirectory = mkdtempSync(join(tmpdir(), 'slow-first-spec-'));
    try {
      const tests = suites([longest, shortest, 'test/unit/failed-last-time.spec.ts'], cacheDirectory);
      // Jest's record: [1 passed | 0 failed, ms] per absolute path (@jest/test-sequencer's perf cache).
      const lastRun = { [join(ROOT, shortest)]: [1, 600_000], [join(ROOT, longest)]: [1, 10], [join(ROOT, 'test/unit/failed-last-time.spec.ts')]: [0, 5] };
      const haste = HasteMap.getStatic(tests[0].context.config);
      writeFileSync(haste.getCacheFilePath(cacheDirectory, 'perf-cache-slow-first-spec'), JSON.stringify(lastRun));

      expect(order(tests)).toEqual(['test/unit/failed-last-time.spec.ts', shortest, longest]);
    } finally {
      rmSync(cacheDirectory, { recursive: true, force: true });
    }
  });
});
