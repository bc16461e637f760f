import { TARGETS, TargetId } from '../peers/peer-catalog';
import { Metric } from '../scenarios/scenario';
import { ScenarioResult } from '../suite-runner';

/** One line of a results table: a scenario and one of its metrics, one cell per target. */
export interface ResultRow {
  result: ScenarioResult;
  metric: Metric;
}

/** Scenarios that share a group and a target list share one table (and one chart panel). */
export interface ResultTable {
  heading: string;
  targets: TargetId[];
  rows: ResultRow[];
}

const GROUP_HEADINGS: Record<ScenarioResult['group'], string> = {
  echo: 'Echo throughput',
  latency: 'Latency at a fixed rate',
  fanout: 'Broadcast fan-out',
  idle: 'Idle connections: memory and handshakes',
};

export function resultTables(results: ScenarioResult[]): ResultTable[] {
  const tables = new Map<string, ResultTable>();
  for (const result of results) {
    const key = `${result.group}:${result.targets.join(',')}`;
    let table = tables.get(key);
    if (!table) {
      const versus = `ratio to ${TARGETS[result.baseline].label} in the same run`;
      table = { heading: `${GROUP_HEADINGS[result.group]} (${versus})`, targets: result.targets, rows: [] };
      tables.set(key, table);
    }
    for (const metric of result.metrics) table.rows.push({ result, metric });
  }
  return [...tables.values()];
}

export function rowLabel({ result, metric }: ResultRow): string {
  return result.metrics.length > 1 ? `${result.title} — ${metric.label}` : `${result.title} (${metric.label})`;
}
