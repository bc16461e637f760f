import { MachineInfo } from '../system/machine-info';

/** How a run was made: printed with its results so that they can be reproduced. */
export interface RunInfo {
  command: string;
  plan: 'quick' | 'full';
  repeats: number;
  warmupMs: number;
  durationMs: number;
  pinning: string;
  fdLimit: number;
  machine: MachineInfo;
  startedAt: string;
  finishedAt: string;
  skipped: { id: string; reason: string }[];
}
