import { checkTargets } from '../../../bench/report/issue-targets';
import { markdownReport } from '../../../bench/report/markdown-report';
import { RunInfo } from '../../../bench/report/run-info';
import { FULL, planSuite } from '../../../bench/suite-plan';
import { ScenarioResult, TargetSummary } from '../../../bench/suite-runner';

const summaryOf = (messagesPerSecond: number, messagesPerCpuSecond: number): TargetSummary => ({
  median: { messagesPerSecond, messagesPerCpuSecond },
  ratio: {},
  loadgenCpuMaxPercent: 50,
  serverCpuMedianPercent: 100,
  backgroundCpuMedianPercent: 0,
  failures: 0,
  errors: [],
});

/** A result of one echo cell with our, ws's and the ceiling's msg/s. */
function echoResult(id: string, ours: number, ws: number, net: number): ScenarioResult {
  const scenario = planSuite(FULL, 1_000_000).scenarios.find((s) => s.id === id)!;
  return {
    id,
    group: scenario.group,
    title: scenario.title,
    baseline: 'ws',
    metrics: scenario.metrics,
    targets: scenario.targets,
    runs: [],
    summary: { 'ours-raw': summaryOf(ours, ours / 2), ws: summaryOf(ws, ws), net: summaryOf(net, net) },
  };
}

describe('the performance targets checked after a bench run', () => {
  it('name, for every goal of every issue, a scenario of the full suite that runs both targets compared', () => {
    const scenarios = planSuite(FULL, 1_000_000).scenarios;

    const unknown = checkTargets([]).filter((check) => {
      const scenario = scenarios.find((s) => s.id === check.scenarioId);
      return !scenario || !scenario.targets.includes(check.subject) || !scenario.targets.includes(check.versus);
    });

    expect(unknown.map((check) => `${check.scenarioId}: ${check.subject} / ${check.versus}`)).toEqual([]);
  });

  it('hold issue 17\'s raw echo matrix (text and binary, 4 KiB to 1 MiB, 1 to 500 connections) against ws and the node:net ceiling, and one busy connection', () => {
    const ids = checkTargets([]).filter((check) => check.issue === 17).map((check) => `${check.scenarioId} ${check.versus} ${check.goal}`);

    expect(ids).toEqual(expect.arrayContaining(['echo-raw-4096b-500c ws 1.2', 'echo-raw-bin-1048576b-1c net 0.8', 'echo-raw-32b-1c-x8 ws 1.5', 'echo-raw-32b-1c ws 1.5']));
    expect(ids.filter((id) => id.startsWith('echo-raw-') && / (ws 1\.2|net 0\.8)$/.test(id))).toHaveLength(2 * 3 * 3 * 2);
  });

  it('judge each goal on the measured ratio, give the per-CPU-second ratio beside it, and leave goals of cells not run undecided', () => {
    const checks = checkTargets([echoResult('echo-raw-65536b-10c', 130, 100, 150)]).filter((check) => check.scenarioId === 'echo-raw-65536b-10c');

    expect(checks.map(({ versus, measured, measuredPerCpuSecond, isMet }) => ({ versus, measured, measuredPerCpuSecond, isMet }))).toEqual([
      { versus: 'ws', measured: 1.3, measuredPerCpuSecond: 0.65, isMet: true },
      { versus: 'net', measured: 130 / 150, measuredPerCpuSecond: 65 / 150, isMet: true },
    ]);
    expect(checkTargets([]).every((check) => check.isMet === undefined)).toBe(true);
  });

  it('report each issue\'s targets in a section of their own, with how many were met', () => {
    const results = [echoResult('echo-raw-4096b-500c', 110, 100, 120)];
    const info = { command: 'npm run bench', plan: 'full', repeats: 3, warmupMs: 1, durationMs: 1, pinning: 'off', fdLimit: 1, machine: { cpuModel: 'cpu', cores: 2, memoryGiB: 1, node: '20', kernel: '6' }, startedAt: '2026-12-07T14:00:00Z', finishedAt: '2026-12-07T14:10:00Z', skipped: [] } as unknown as RunInfo;

    const markdown = markdownReport(info, results, checkTargets(results));

    expect(markdown).toMatch(/## Targets of issue 4: 0 of 0 met \(\d+ not run\)/);
    expect(markdown).toMatch(/## Targets of issue 17: 1 of 2 met \(\d+ not run\)/);
    expect(markdown).toMatch(/\| raw echo, 4 KiB, 500 conn × 2 in flight \| .* \| 1\.10× \| 0\.55× \| ≥ 1\.2× \| ❌ \|/);
  });
});
