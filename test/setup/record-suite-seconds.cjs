// Records each suite's duration for slow-first.sequencer.cjs from Jest's own report:
//   npx jest test/e2e --json --outputFile=/tmp/e2e.json && node test/setup/record-suite-seconds.cjs /tmp/e2e.json …
// A suite the reports name gets its new duration (the longer one when two projects run the same file);
// the others keep theirs, and a suite whose file is gone leaves.
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS, run by node as it is */
const { existsSync, readFileSync, writeFileSync } = require('node:fs');
const { join, relative } = require('node:path');

const ROOT = join(__dirname, '..', '..');
const RECORD = join(__dirname, 'suite-seconds.json');

const reports = process.argv.slice(2);
if (reports.length === 0) throw new Error('usage: node test/setup/record-suite-seconds.cjs <jest --json report>…');

const recorded = JSON.parse(readFileSync(RECORD, 'utf8'));
const measured = {};
for (const report of reports) {
  for (const { name, startTime, endTime } of JSON.parse(readFileSync(report, 'utf8')).testResults) {
    const suite = relative(ROOT, name);
    measured[suite] = Math.max(measured[suite] ?? 0, Math.round((endTime - startTime) / 100) / 10);
  }
}
const merged = { ...recorded, ...measured };
const kept = Object.keys(merged)
  .filter((suite) => existsSync(join(ROOT, suite)))
  .sort();
writeFileSync(RECORD, `${JSON.stringify(Object.fromEntries(kept.map((suite) => [suite, merged[suite]])), null, 2)}\n`);
console.log(`${Object.keys(measured).length} suites measured, ${kept.length} on record in ${relative(ROOT, RECORD)}`);
