import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RESULTS_DIR } from '../system/paths';
import { ScenarioResult } from '../suite-runner';
import { checkTargets } from './issue-targets';
import { markdownReport } from './markdown-report';
import { RunInfo } from './run-info';
import { svgChart } from './svg-chart';

/** bench/results/latest.{md,json,svg}; returns the Markdown, which the driver also prints. */
export function writeReports(info: RunInfo, results: ScenarioResult[]): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const checks = checkTargets(results);
  const markdown = markdownReport(info, results, checks);
  writeFileSync(join(RESULTS_DIR, 'latest.md'), markdown);
  writeFileSync(join(RESULTS_DIR, 'latest.json'), `${JSON.stringify({ info, targets: checks, results }, null, 2)}\n`);
  writeFileSync(join(RESULTS_DIR, 'latest.svg'), svgChart(info, results));
  return markdown;
}
