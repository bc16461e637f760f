import { TargetId } from '../peers/peer-catalog';
import { ratio } from './stats';
import { ScenarioResult } from '../suite-runner';

/** One target of a performance issue: subject's metric against another target's, in the same run. */
interface Goal {
  /** The issue whose table it comes from. */
  issue: number;
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

type GoalOf = (scenarioId: string, metric: string, subject: TargetId, versus: TargetId, goal: number) => Goal;
const goalsOf = (issue: number): { atLeast: GoalOf; atMost: GoalOf } => ({
  atLeast: (scenarioId, metric, subject, versus, goal) => ({ issue, scenarioId, metric, subject, versus, comparison: '≥', goal }),
  atMost: (scenarioId, metric, subject, versus, goal) => ({ issue, scenarioId, metric, subject, versus, comparison: '≤', goal }),
});

/** The table "Targets (ratios measured in one run of the suite)" of issue 4; issue 17 asks that each still holds. */
const ISSUE_4 = goalsOf(4);
const ISSUE_4_GOALS: Goal[] = (({ atLeast, atMost }) => [
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
])(ISSUE_4);

/** Issue 17's table, "Targets (ratios in one run of npm run bench)". */
const ISSUE_17 = goalsOf(17);
const ISSUE_17_GOALS: Goal[] = (({ atLeast, atMost }) => [
  // Raw echo, text and binary, 4 KiB / 64 KiB / 1 MiB at 1 / 10 / 500 connections: ≥ 1.2× ws, ≥ 0.8× the node:net ceiling.
  ...['raw', 'raw-bin'].flatMap((kind) =>
    [4096, 65536, 1048576].flatMap((bytes) =>
      [1, 10, 500].flatMap((connections) => [
        atLeast(`echo-${kind}-${bytes}b-${connections}c`, 'messagesPerSecond', 'ours-raw', 'ws', 1.2),
        atLeast(`echo-${kind}-${bytes}b-${connections}c`, 'messagesPerSecond', 'ours-raw', 'net', 0.8),
      ]),
    ),
  ),
  // One busy connection, 32 B × 8 and × 32 in flight: ≥ 1.5× ws.
  atLeast('echo-raw-32b-1c-x8', 'messagesPerSecond', 'ours-raw', 'ws', 1.5),
  atLeast('echo-raw-32b-1c', 'messagesPerSecond', 'ours-raw', 'ws', 1.5),
  // Handshakes on the app's server and on a gateway's own port; memory per idle connection through the sample app.
  atLeast('idle-10000', 'handshakesPerSecond', 'ours-raw', 'ws', 1.1),
  atLeast('idle-10000', 'handshakesPerSecond', 'ours-own-port', 'ws', 1.4),
  atMost('idle-10000', 'rssPerConnectionBytes', 'ours-own-port', 'ws', 0.75),
  ...['echo-gateway-4096b-100c', 'echo-gateway-4096b-1000c'].map((id) => atLeast(id, 'messagesPerSecond', 'ours-gateway', 'ws-json', 1.5)),
  atLeast('echo-deflate-4096b-100c', 'messagesPerSecond', 'ours-deflate', 'ws-deflate', 1.2),
  atMost('fanout-1000-at-200', 'serverCpuUsPerDelivery', 'ours-gateway', 'ws-json', 0.8),
])(ISSUE_17);

const GOALS: Goal[] = [...ISSUE_4_GOALS, ...ISSUE_17_GOALS];

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
