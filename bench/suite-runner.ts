import { TARGETS, TargetId } from './peers/peer-catalog';
import { ProgressBar } from './report/progress-bar';
import { median, ratio } from './report/stats';
import { Measurement, RunContext, Scenario } from './scenarios/scenario';

export interface RunRecord {
  target: TargetId;
  repeat: number;
  measurement?: Measurement;
  error?: string;
}

/** Medians over the repeats of one target, and their ratios to the baseline's medians. */
export interface TargetSummary {
  median: Record<string, number>;
  ratio: Record<string, number>;
  loadgenCpuMaxPercent: number;
  serverCpuMedianPercent: number;
  /** Other processes' CPU while this target was measured: high values mean noisy figures. */
  backgroundCpuMedianPercent: number;
  failures: number;
  errors: string[];
}

export interface ScenarioResult {
  id: string;
  group: Scenario['group'];
  title: string;
  baseline: TargetId;
  metrics: Scenario['metrics'];
  targets: TargetId[];
  runs: RunRecord[];
  summary: Partial<Record<TargetId, TargetSummary>>;
}

/**
 * Runs every scenario's targets interleaved (A B C A B C …) so that drift in the machine's load
 * spreads over all of them, then takes medians. Each run warms up inside the load generator.
 */
export async function runSuite(scenarios: Scenario[], repeatsOf: (scenario: Scenario) => number, context: RunContext): Promise<ScenarioResult[]> {
  const progress = new ProgressBar(scenarios.reduce((sum, scenario) => sum + scenario.targets.length * repeatsOf(scenario), 0));
  const results: ScenarioResult[] = [];
  for (const scenario of scenarios) {
    const runs: RunRecord[] = [];
    const repeats = repeatsOf(scenario);
    for (let repeat = 0; repeat < repeats; repeat++) {
      for (const id of scenario.targets) {
        progress.step(`${scenario.title} · ${TARGETS[id].label} · ${repeat + 1}/${repeats}`);
        try {
          runs.push({ target: id, repeat, measurement: await scenario.run(TARGETS[id], context) });
        } catch (error) {
          runs.push({ target: id, repeat, error: (error as Error).message });
        }
      }
    }
    results.push(summarise(scenario, runs));
  }
  progress.finish();
  return results;
}

function summarise(scenario: Scenario, runs: RunRecord[]): ScenarioResult {
  const medians = new Map<TargetId, Record<string, number>>();
  for (const id of scenario.targets) {
    const measured = runs.filter((run) => run.target === id && run.measurement).map((run) => run.measurement as Measurement);
    medians.set(id, Object.fromEntries(scenario.metrics.map(({ key }) => [key, median(measured.map((m) => m.values[key]))])));
  }
  const baseline = medians.get(scenario.baseline) ?? {};
  const summary: ScenarioResult['summary'] = {};
  for (const id of scenario.targets) {
    const mine = runs.filter((run) => run.target === id);
    const measured = mine.flatMap((run) => (run.measurement ? [run.measurement] : []));
    const values = medians.get(id) ?? {};
    const loadgenCpu = measured.map((m) => m.loadgenCpuPercent).filter(Number.isFinite);
    summary[id] = {
      median: values,
      ratio: Object.fromEntries(scenario.metrics.map(({ key }) => [key, ratio(values[key], baseline[key])])),
      loadgenCpuMaxPercent: loadgenCpu.length > 0 ? Math.max(...loadgenCpu) : NaN,
      serverCpuMedianPercent: median(measured.map((m) => m.serverCpuPercent)),
      backgroundCpuMedianPercent: median(measured.map((m) => m.backgroundCpuPercent)),
      failures: measured.reduce((sum, m) => sum + m.failures, 0),
      errors: mine.flatMap((run) => (run.error ? [run.error] : [])),
    };
  }
  const { id, group, title, baseline: baselineId, metrics, targets } = scenario;
  return { id, group, title, baseline: baselineId, metrics, targets, runs, summary };
}
