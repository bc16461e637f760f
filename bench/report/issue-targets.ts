import { TargetId } from '../peers/peer-catalog';
import { ratio } from './stats';
import { ScenarioResult } from '../suite-runner';

/** One target of issue 4: subject's metric against another target's, in the same run. */
interface Goal {
  scenarioId: string;
  metric: string;
  subject: TargetId;
  versus: TargetId;
  comparison: '≥' | '≤';
  goal: number;
}

export interface TargetCheck extends Goal {
  scenarioTitle: string;
  measured: number;
  /** The same ratio per second of server CPU, where the scenario has it: what a quiet machine would show. */
  measuredPerCpuSecond: number;
  /** undefined when the scenario did not run (skipped, --only, or failed). */
  isMet: boolean | undefined;
}

const atLeast = (scenarioId: string, metric: string, subject: TargetId, versus: TargetId, goal: number): Goal => ({ scenarioId, metric, subject, versus, comparison: '≥', goal });
const atMost = (scenarioId: string, metric: string, subject: TargetId, versus: TargetId, goal: number): Goal => ({ scenarioId, metric, subject, versus, comparison: '≤', goal });

/** The table "Targets (ratios measured in one run of the suite)" of issue 4. */
const GOALS: Goal[] = [
  atLeast('echo-raw-32b-100c', 'messagesPerSecond', 'ours-raw', 'ws', 2),
  atLeast('echo-raw-32b-100c', 'messagesPerSecond', 'ours-raw', 'net', 0.5),
  ...['echo-gateway-32b-100c', 'echo-gateway-32b-1000c'].flatMap((id) => [
    atLeast(id, 'messagesPerSecond', 'ours-gateway', 'nest-ws', 2.5),
    atLeast(id, 'messagesPerSecond', 'ours-gateway', 'nest-sio', 3),
    atLeast(id, 'messagesPerSecond', 'ours-gateway', 'ws-json', 1.5),
  ]),
  atMost('latency-raw', 'p99us', 'ours-raw', 'ws', 0.8),
  atMost('latency-gateway', 'p99us', 'ours-gateway', 'ws-json', 0.8),
  ...['fanout-1000', 'fanout-10000'].flatMap((id) => [
    atLeast(id, 'deliveriesPerSecond', 'ours-gateway', 'ws-json', 3),
    atLeast(id, 'deliveriesPerSecond', 'ours-gateway', 'nest-sio', 3),
  ]),
  ...['idle-10000', 'idle-50000'].flatMap((id) => [
    atMost(id, 'rssPerConnectionBytes', 'ours-raw', 'ws', 0.75),
    atMost(id, 'rssPerConnectionBytes', 'ours-gateway', 'ws', 0.75),
  ]),
  atLeast('idle-10000', 'handshakesPerSecond', 'ours-raw', 'ws', 1.4),
  atLeast('idle-10000', 'handshakesPerSecond', 'ours-gateway', 'ws', 1.4),
  // Issue 17: handshakes on the app's server and on a gateway's own port; memory per idle connection through the sample app.
  atLeast('idle-10000', 'handshakesPerSecond', 'ours-raw', 'ws', 1.1),
  atLeast('idle-10000', 'handshakesPerSecond', 'ours-own-port', 'ws', 1.4),
  atMost('idle-10000', 'rssPerConnectionBytes', 'ours-own-port', 'ws', 0.75),
  ...['echo-gateway-4096b-100c', 'echo-gateway-4096b-1000c'].map((id) => atLeast(id, 'messagesPerSecond', 'ours-gateway', 'ws-json', 1.5)),
  atLeast('echo-deflate-4096b-100c', 'messagesPerSecond', 'ours-deflate', 'ws-deflate', 1.2),
  atMost('fanout-1000-at-200', 'serverCpuUsPerDelivery', 'ours-gateway', 'ws-json', 0.8),
];

/** Throughput metrics and their per-server-CPU-second twins. */
const PER_CPU_SECOND: Record<string, string> = {
  messagesPerSecond: 'messagesPerCpuSecond',
  deliveriesPerSecond: 'deliveriesPerCpuSecond',
  handshakesPerSecond: 'handshakesPerCpuSecond',
};

export function checkTargets(results: ScenarioResult[]): TargetCheck[] {
  return GOALS.map((goal) => {
    const result = results.find((r) => r.id === goal.scenarioId);
    const subject = result?.summary[goal.subject]?.median[goal.metric] ?? NaN;
    const versus = result?.summary[goal.versus]?.median[goal.metric] ?? NaN;
    const measured = ratio(subject, versus);
    const perCpu = PER_CPU_SECOND[goal.metric];
    const measuredPerCpuSecond = perCpu ? ratio(result?.summary[goal.subject]?.median[perCpu] ?? NaN, result?.summary[goal.versus]?.median[perCpu] ?? NaN) : NaN;
    const isMet = Number.isFinite(measured) ? (goal.comparison === '≥' ? measured >= goal.goal : measured <= goal.goal) : undefined;
    return { ...goal, scenarioTitle: result?.title ?? goal.scenarioId, measured, measuredPerCpuSecond, isMet };
  });
}
