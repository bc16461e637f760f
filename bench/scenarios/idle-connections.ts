import { setTimeout as sleep } from 'node:timers/promises';
import { IDLE_TARGETS } from '../peers/peer-catalog';
import { cpuSeconds, machineBusySeconds, rssBytes } from '../system/proc-stats';
import { perCpuSecond, Scenario } from './scenario';

export interface IdleOptions {
  connections: number;
  /** Handshakes the load generator keeps in flight. */
  concurrency: number;
  /** Handshakes before the baseline, so that the measured ones run JIT-compiled code. */
  warmupConnections: number;
  /** Wait after the last handshake before reading RSS. */
  settleMs: number;
}

const HOLD_LIMIT_MS = 120_000;

/**
 * A fresh server, warmed up; then `connections` handshakes as fast as it takes them, held open.
 * RSS per connection = (RSS with them open − RSS before) / connections.
 */
export function idleConnections(options: IdleOptions): Scenario {
  const { connections } = options;
  return {
    id: `idle-${connections}`,
    group: 'idle',
    title: `${connections.toLocaleString('en-US')} idle connections`,
    targets: IDLE_TARGETS,
    baseline: 'ws',
    metrics: [
      { key: 'rssPerConnectionBytes', label: 'RSS/conn', unit: 'B', isHigherBetter: false },
      { key: 'handshakesPerSecond', label: 'handshakes/s', unit: '/s', isHigherBetter: true },
      { key: 'handshakesPerCpuSecond', label: 'handshakes / server CPU-s', unit: '/s', isHigherBetter: true },
    ],
    async run(target, context) {
      const peer = await context.freshPeer(target.peer);
      try {
        const base = { mode: 'idle' as const, protocol: target.protocol, port: peer.port, path: target.path, concurrency: options.concurrency };
        await context.loadgen({ ...base, conns: options.warmupConnections, holdMs: 0 }).result;
        await sleep(options.settleMs);
        const rssBefore = rssBytes(peer.pid);
        const cpuBefore = cpuSeconds(peer.pid);
        const machineBefore = machineBusySeconds();
        let rssAfter = NaN;
        let serverCpuSeconds = NaN;
        let machineCpuSeconds = NaN;
        const run = context.loadgen(
          { ...base, conns: connections, holdMs: HOLD_LIMIT_MS },
          {
            onConnected: async () => {
              serverCpuSeconds = cpuSeconds(peer.pid) - cpuBefore;
              machineCpuSeconds = machineBusySeconds() - machineBefore;
              await sleep(options.settleMs);
              rssAfter = rssBytes(peer.pid);
              run.release();
            },
          },
        );
        const result = await run.result;
        const percentOf = (cpu: number) => (result.handshakeSeconds > 0 ? (cpu / result.handshakeSeconds) * 100 : NaN);
        const loadgenCpuPercent = percentOf(result.connectCpuSeconds);
        const serverCpuPercent = percentOf(serverCpuSeconds);
        return {
          values: {
            rssPerConnectionBytes: result.ready > 0 ? (rssAfter - rssBefore) / result.ready : NaN,
            handshakesPerSecond: result.handshakesPerSecond,
            handshakesPerCpuSecond: perCpuSecond(result.handshakesPerSecond, serverCpuPercent),
          },
          loadgenCpuPercent,
          serverCpuPercent,
          backgroundCpuPercent: Math.max(0, percentOf(machineCpuSeconds) - serverCpuPercent - loadgenCpuPercent),
          failures: result.failed,
        };
      } finally {
        await peer.stop();
      }
    },
  };
}
