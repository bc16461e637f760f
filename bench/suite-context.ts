import { LoadgenArgs, LoadgenHooks, startLoadgen } from './loadgen/loadgen-client';
import { PeerName } from './peers/peer-catalog';
import { RunningPeer, startPeer } from './peers/peer-process';
import { RunContext } from './scenarios/scenario';
import { Pinning } from './system/cpu-pinning';
import { freePort } from './system/free-port';
import { cpuSeconds, machineBusySeconds } from './system/proc-stats';

/** The RunContext scenarios use, and the shutdown of every peer it started. */
export interface SuiteContext extends RunContext {
  stopAll(): Promise<void>;
}

export function createSuiteContext(loadgenBinary: string, pinning: Pinning): SuiteContext {
  const shared = new Map<PeerName, Promise<RunningPeer>>();
  const fresh = new Set<RunningPeer>();
  let counter = 0;

  const loadgen = (args: LoadgenArgs, hooks?: LoadgenHooks) => startLoadgen(loadgenBinary, args, pinning, hooks);

  return {
    peer(name) {
      let peer = shared.get(name);
      if (!peer) {
        peer = freePort().then((port) => startPeer(name, port, { pinning }));
        shared.set(name, peer);
      }
      return peer;
    },
    async freshPeer(name) {
      const peer = await startPeer(name, await freePort(), { pinning });
      fresh.add(peer);
      const stop = peer.stop;
      return { ...peer, stop: () => stop().finally(() => fresh.delete(peer)) };
    },
    loadgen,
    async measure(peer, args) {
      let cpuAtStart = NaN;
      let cpuAtEnd = NaN;
      let machineAtStart = NaN;
      let machineAtEnd = NaN;
      let wallAtStart = 0;
      let wallAtEnd = 0;
      const run = loadgen(args, {
        onMeasureStart: () => {
          cpuAtStart = cpuSeconds(peer.pid);
          machineAtStart = machineBusySeconds();
          wallAtStart = performance.now();
        },
        onMeasureEnd: () => {
          cpuAtEnd = cpuSeconds(peer.pid);
          machineAtEnd = machineBusySeconds();
          wallAtEnd = performance.now();
        },
      });
      const result = await run.result;
      const seconds = (wallAtEnd - wallAtStart) / 1000;
      const percentOf = (cpu: number) => (seconds > 0 ? (cpu / seconds) * 100 : NaN);
      const serverCpuPercent = percentOf(cpuAtEnd - cpuAtStart);
      const backgroundCpuPercent = Math.max(0, percentOf(machineAtEnd - machineAtStart) - serverCpuPercent - result.cpuPercent);
      return { result, serverCpuPercent, backgroundCpuPercent };
    },
    uniqueName(prefix) {
      counter += 1;
      return `${prefix}-${counter}`;
    },
    async stopAll() {
      const peers = await Promise.allSettled([...shared.values()]);
      shared.clear();
      const running = peers.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
      await Promise.all([...running, ...fresh].map((peer) => peer.stop()));
    },
  };
}
