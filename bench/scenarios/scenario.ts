import { LoadgenArgs, LoadgenHooks, LoadgenResult, LoadgenRun } from '../loadgen/loadgen-client';
import { RunningPeer } from '../peers/peer-process';
import { PeerName, Target, TargetId } from '../peers/peer-catalog';

export type ScenarioGroup = 'echo' | 'latency' | 'fanout' | 'idle';

/** One figure a scenario reports; `isHigherBetter` decides how a ratio reads. */
export interface Metric {
  key: string;
  label: string;
  unit: string;
  isHigherBetter: boolean;
}

/** Work per second of server CPU: robust to other processes taking the server's core away. */
export function perCpuSecond(perSecond: number, serverCpuPercent: number): number {
  return serverCpuPercent > 0 ? perSecond / (serverCpuPercent / 100) : NaN;
}

/** What one run of one target produced. */
export interface Measurement {
  values: Record<string, number>;
  /** The load generator's CPU in the measure window, % of one core. */
  loadgenCpuPercent: number;
  /** The server's CPU in the measure window, % of one core. */
  serverCpuPercent: number;
  /** CPU used by everything else on the machine in the window (other processes), % of one core. */
  backgroundCpuPercent: number;
  /** Connections that failed to open or were closed by the server. */
  failures: number;
}

export interface MeasuredRun {
  result: LoadgenResult;
  serverCpuPercent: number;
  backgroundCpuPercent: number;
}

/** What a scenario may ask of the suite while it runs. */
export interface RunContext {
  /** A long-lived peer shared by the non-idle scenarios. */
  peer(name: PeerName): Promise<RunningPeer>;
  /** A fresh peer process for this run only (idle memory is measured from a clean start). */
  freshPeer(name: PeerName): Promise<RunningPeer>;
  loadgen(args: LoadgenArgs, hooks?: LoadgenHooks): LoadgenRun;
  /** Runs the load generator while sampling the server's CPU across its measure window. */
  measure(peer: RunningPeer, args: LoadgenArgs): Promise<MeasuredRun>;
  /** A name unique to this run (a room that no earlier run left members in). */
  uniqueName(prefix: string): string;
}

/** One row of the results: a fixed workload run against several targets, interleaved. */
export interface Scenario {
  id: string;
  group: ScenarioGroup;
  title: string;
  targets: TargetId[];
  /** Ratios are taken against this target's median in the same run. */
  baseline: TargetId;
  /** Repeats of this scenario when not the suite's (fewer for costly cells); --repeats overrides it. */
  repeats?: number;
  metrics: Metric[];
  run(target: Target, context: RunContext): Promise<Measurement>;
}
