// Jest's test order, longest suite first, so that no worker starts a long suite when the others are
// nearly done (with 2 workers, one 60 s suite started last adds up to 60 s to the run). Jest orders by
// the durations of its last run on this machine; a clean clone has none, and Jest then orders by file
// size, which put short files holding long waits last. So a suite's expected duration is, in order:
// Jest's own record, the one in suite-seconds.json (`node test/setup/record-suite-seconds.cjs`), or
// UNRECORDED_MS for a suite new since. Failed suites still go first, as with Jest's own order.
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- Jest loads a sequencer as plain CommonJS, uncompiled */
const TestSequencer = require('@jest/test-sequencer').default;
const { relative } = require('node:path');
const RECORDED_SECONDS = require('./suite-seconds.json');

/** A suite with no duration on record yet: most suites take about this long. */
const UNRECORDED_MS = 1000;

class SlowFirstSequencer extends TestSequencer {
  sort(tests) {
    const expectedMs = new Map(tests.map((test) => [test, this.expectedMs(test)]));
    return [...tests].sort(
      (a, b) => Number(this.hasFailed(b)) - Number(this.hasFailed(a)) || expectedMs.get(b) - expectedMs.get(a) || a.path.localeCompare(b.path),
    );
  }

  expectedMs(test) {
    const recordedSeconds = RECORDED_SECONDS[relative(test.context.config.rootDir, test.path)];
    return this.time(test) ?? (recordedSeconds === undefined ? UNRECORDED_MS : recordedSeconds * 1000);
  }
}

module.exports = SlowFirstSequencer;
