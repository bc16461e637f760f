import { FIXED_RATE_TARGETS } from '../peers/peer-catalog';
import { Scenario } from './scenario';
import { broadcastMessage, joinMessage, payloadOf } from './wire-messages';

export interface FixedRateFanOutOptions {
  members: number;
  broadcastsPerSecond: number;
  payloadBytes: number;
  warmupMs: number;
  durationMs: number;
}

/**
 * `members` connections join one room; one more sends `broadcastsPerSecond` broadcasts, open loop, spaced
 * so that no two arrive in one read (issue 17: a steady rate, not the bursts of fanout-*). The figure is
 * the server's CPU per delivery, which does not depend on how fast the server could go.
 */
export function fixedRateFanOut(options: FixedRateFanOutOptions): Scenario {
  const { members, broadcastsPerSecond, payloadBytes } = options;
  return {
    id: `fanout-${members}-at-${broadcastsPerSecond}`,
    group: 'fanout',
    title: `broadcasts at ${broadcastsPerSecond}/s to ${members.toLocaleString('en-US')} members, ${payloadBytes} B`,
    targets: FIXED_RATE_TARGETS,
    baseline: 'ws-json',
    metrics: [
      { key: 'serverCpuUsPerDelivery', label: 'server CPU µs / delivery', unit: 'µs', isHigherBetter: false },
      { key: 'deliveriesPerSecond', label: 'deliveries/s', unit: 'msg/s', isHigherBetter: true },
    ],
    async run(target, context) {
      const peer = await context.peer(target.peer);
      const room = context.uniqueName('room');
      const { result, serverCpuPercent, backgroundCpuPercent } = await context.measure(peer, {
        mode: 'fanout',
        protocol: target.protocol,
        port: peer.port,
        path: target.path,
        conns: members,
        broadcastRate: broadcastsPerSecond,
        concurrency: 128,
        join: joinMessage(target.wire, room),
        broadcast: broadcastMessage(target.wire, room, payloadOf(payloadBytes)),
        warmupMs: options.warmupMs,
        durationMs: options.durationMs,
      });
      const deliveriesPerSecond = result.messagesPerSecond;
      return {
        values: { serverCpuUsPerDelivery: deliveriesPerSecond > 0 ? ((serverCpuPercent / 100) * 1e6) / deliveriesPerSecond : NaN, deliveriesPerSecond },
        loadgenCpuPercent: result.cpuPercent,
        serverCpuPercent,
        backgroundCpuPercent,
        failures: result.failed + result.stalls,
      };
    },
  };
}
