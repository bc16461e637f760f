import { TARGETS } from '../peers/peer-catalog';
import { ScenarioResult } from '../suite-runner';
import { formatPercent, formatRatio, formatValue } from './format';
import { median } from './stats';
import { TargetCheck } from './issue-targets';
import { resultTables, rowLabel } from './result-tables';
import { RunInfo } from './run-info';

export function markdownReport(info: RunInfo, results: ScenarioResult[], checks: TargetCheck[]): string {
  const { machine } = info;
  const lines = [
    `# nest-rfc6455 benchmarks, ${info.finishedAt.slice(0, 16).replace('T', ' ')} UTC`,
    '',
    `\`${info.command}\` (${info.plan}: ${info.repeats} interleaved repeat${info.repeats > 1 ? 's' : ''}, medians; each run ${info.warmupMs} ms warm-up + ${info.durationMs} ms measured) on ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node ${machine.node}, Linux ${machine.kernel}; ${info.pinning}. Load generator: bench/loadgen/loadgen.c (epoll, one thread), its CPU in the last columns (% of one core: below 100% it had CPU to spare).`,
    ...[...new Set(checks.map((check) => check.issue))].flatMap((issue) => targetTable(issue, checks.filter((check) => check.issue === issue))),
  ];
  for (const table of resultTables(results)) {
    lines.push('', `## ${table.heading}`, '');
    lines.push(`| scenario | ${table.targets.map((id) => TARGETS[id].label).join(' | ')} | loadgen CPU | server CPU | other load |`);
    lines.push(`|---|${table.targets.map(() => '---:').join('|')}|---:|---:|---:|`);
    for (const row of table.rows) {
      const cells = table.targets.map((id) => {
        const summary = row.result.summary[id];
        if (!summary || summary.errors.length === row.result.runs.filter((run) => run.target === id).length) return 'failed';
        const value = formatValue(summary.median[row.metric.key], row.metric.unit);
        const warning = summary.failures > 0 || summary.errors.length > 0 ? ' ⚠' : '';
        return `${value} (${formatRatio(summary.ratio[row.metric.key])})${warning}`;
      });
      const summaries = table.targets.flatMap((id) => (row.result.summary[id] ? [row.result.summary[id]] : []));
      const loadgenCpu = Math.max(...summaries.map((s) => s.loadgenCpuMaxPercent).filter(Number.isFinite));
      const serverCpu = summaries.map((s) => formatPercent(s.serverCpuMedianPercent)).join('/');
      const background = median(summaries.map((s) => s.backgroundCpuMedianPercent));
      lines.push(`| ${rowLabel(row)} | ${cells.join(' | ')} | ≤ ${formatPercent(loadgenCpu)} | ${serverCpu} | ${formatPercent(background)} |`);
    }
  }
  const problems = results.flatMap((result) =>
    result.targets.flatMap((id) => {
      const summary = result.summary[id];
      if (!summary) return [];
      const notes = [...new Set(summary.errors)].map((error) => `${result.title}, ${TARGETS[id].label}: ${error}`);
      if (summary.failures > 0) notes.push(`${result.title}, ${TARGETS[id].label}: ${summary.failures} connections failed or overflowed`);
      return notes;
    }),
  );
  lines.push(
    '',
    'CPU columns in % of one core, over the measured window: loadgen CPU is the most the load generator used in any run; server CPU the median per target, in column order; other load the CPU that other processes on the machine used meanwhile (median), which makes figures noisy when it is high. ⚠: some connections failed; see below.',
  );
  if (info.skipped.length > 0) lines.push('', 'Skipped:', ...info.skipped.map(({ id, reason }) => `- ${id}: ${reason}`));
  if (problems.length > 0) lines.push('', 'Problems:', ...problems.map((problem) => `- ${problem}`));
  lines.push('', `Chart: latest.svg. Raw figures: latest.json.`, '');
  return lines.join('\n');
}

/** One issue's targets, met or missed, as a section of the report. */
function targetTable(issue: number, checks: TargetCheck[]): string[] {
  const met = checks.filter((check) => check.isMet === true).length;
  const run = checks.filter((check) => check.isMet !== undefined).length;
  return [
    '',
    `## Targets of issue ${issue}: ${met} of ${run} met${run < checks.length ? ` (${checks.length - run} not run)` : ''}`,
    '',
    'Judged on the measured ratio; "per CPU-s" is the same ratio per second of server CPU, which other load on the machine does not skew.',
    '',
    '| scenario | ratio | measured | per CPU-s | target | |',
    '|---|---|---:|---:|---:|:-:|',
    ...checks.map(
      (check) =>
        `| ${check.scenarioTitle} | ${TARGETS[check.subject].label} / ${TARGETS[check.versus].label}, ${check.metric} | ${formatRatio(check.measured)} | ${formatRatio(check.measuredPerCpuSecond)} | ${check.comparison} ${check.goal}× | ${check.isMet === undefined ? 'not run' : check.isMet ? '✅' : '❌'} |`,
    ),
  ];
}
