import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { machineBusySeconds } from './proc-stats';

export type Role = 'server' | 'loadgen';
export type PinMode = 'auto' | 'on' | 'off';

/** Server under test on one core, load generator on another, when taskset (util-linux) exists. */
export interface Pinning {
  readonly isPinned: boolean;
  readonly description: string;
  /** Prefixes a command so that it runs on the role's core. */
  wrap(role: Role, command: string, args: string[]): { command: string; args: string[] };
}

/**
 * Past this much CPU used by other processes, `auto` does not pin: a pinned server shares its one
 * core with them (some run at a higher priority), while the scheduler could move it to a freer one.
 */
const BUSY_MACHINE_PERCENT = 50;

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** CPU used by the whole machine over one second, % of one core. */
async function machineBusyPercent(): Promise<number> {
  const before = machineBusySeconds();
  await sleep(1_000);
  return (machineBusySeconds() - before) * 100;
}

const unpinned = (why: string): Pinning => ({ isPinned: false, description: `not pinned (${why})`, wrap: (_role, command, args) => ({ command, args }) });

export async function choosePinning(mode: PinMode): Promise<Pinning> {
  if (mode === 'off') return unpinned('--pin off');
  if (availableParallelism() < 2) return unpinned('one core');
  if (!hasTaskset()) return unpinned('no taskset');
  if (mode === 'auto') {
    const busy = await machineBusyPercent();
    if (busy > BUSY_MACHINE_PERCENT) return unpinned(`other processes used ${Math.round(busy)}% of a core when the run started; --pin on forces it`);
  }
  const cpuOf: Record<Role, number> = { server: 0, loadgen: 1 };
  return {
    isPinned: true,
    description: 'pinned with taskset: server under test on CPU 0, load generator on CPU 1',
    wrap: (role, command, args) => ({ command: 'taskset', args: ['-c', String(cpuOf[role]), command, ...args] }),
  };
}
