import { LoadgenArgs } from '../loadgen/loadgen-client';
import { FIXED_RATE_TARGETS, GATEWAY_TARGETS } from '../peers/peer-catalog';
import { Metric, perCpuSecond, Scenario } from './scenario';
import { broadcastMessage, joinMessage, payloadOf } from './wire-messages';

export interface FanOutOptions {
  members: number;
  payloadBytes: number;
  /**
   * Broadcasts per second sent open loop, spaced so that no two arrive in one read (issue 17: a steady
   * rate, not bursts); the figure is then the server's CPU per delivery. Undefined: WINDOW in flight.
   */
  broadcastsPerSecond?: number;
  warmupMs: number;
  durationMs: number;
}

/** Broadcasts kept in flight by the sender, counted in deliveries to every member. */
const WINDOW = 4;

const DELIVERIES: Metric = { key: 'deliveriesPerSecond', label: 'deliveries/s', unit: 'msg/s', isHigherBetter: true };
const PER_CPU_SECOND: Metric = { key: 'deliveriesPerCpuSecond', label: 'deliveries / server CPU-s', unit: 'msg/s', isHigherBetter: true };
const CPU_PER_DELIVERY: Metric = { key: 'serverCpuUsPerDelivery', label: 'server CPU µs / delivery', unit: 'µs', isHigherBetter: false };

/** `members` connections join one room; one more connection broadcasts to it: as fast as it goes, or at a fixed rate. */
export function fanOut(options: FanOutOptions): Scenario {
  const { members, payloadBytes, broadcastsPerSecond } = options;
  const isFixedRate = broadcastsPerSecond !== undefined;
  const count = members.toLocaleString('en-US');
  return {
    id: isFixedRate ? `fanout-${members}-at-${broadcastsPerSecond}` : `fanout-${members}`,
    group: 'fanout',
    title: isFixedRate ? `broadcasts at ${broadcastsPerSecond}/s to ${count} members, ${payloadBytes} B` : `broadcast fan-out to ${count} members, ${payloadBytes} B`,
    targets: isFixedRate ? FIXED_RATE_TARGETS : GATEWAY_TARGETS,
    baseline: 'ws-json',
    metrics: isFixedRate ? [CPU_PER_DELIVERY, DELIVERIES] : [DELIVERIES, PER_CPU_SECOND],
    async run(target, context) {
      const peer = await context.peer(target.peer);
      const room = context.uniqueName('room');
      const pace: Partial<LoadgenArgs> = isFixedRate ? { broadcastRate: broadcastsPerSecond } : { window: WINDOW };
      const { result, serverCpuPercent, backgroundCpuPercent } = await context.measure(peer, {
        mode: 'fanout',
        protocol: target.protocol,
        port: peer.port,
        path: target.path,
        conns: members,
        ...pace,
        concurrency: 128,
        join: joinMessage(target.wire, room),
        broadcast: broadcastMessage(target.wire, room, payloadOf(payloadBytes)),
        warmupMs: options.warmupMs,
        durationMs: options.durationMs,
      });
      const deliveriesPerSecond = result.messagesPerSecond;
      const serverCpuUsPerDelivery = deliveriesPerSecond > 0 ? ((serverCpuPercent / 100) * 1e6) / deliveriesPerSecond : NaN;
      const values: Record<string, number> = isFixedRate
        ? { serverCpuUsPerDelivery, deliveriesPerSecond }
        : { deliveriesPerSecond, deliveriesPerCpuSecond: perCpuSecond(deliveriesPerSecond, serverCpuPercent) };
      return {
        values,
        loadgenCpuPercent: result.cpuPercent,
        serverCpuPercent,
        backgroundCpuPercent,
        failures: result.failed + result.stalls,
      };
    },
  };
}
