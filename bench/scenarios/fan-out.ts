import { GATEWAY_TARGETS } from '../peers/peer-catalog';
import { perCpuSecond, Scenario } from './scenario';
import { broadcastMessage, joinMessage, payloadOf } from './wire-messages';

export interface FanOutOptions {
  members: number;
  payloadBytes: number;
  warmupMs: number;
  durationMs: number;
}

/** Broadcasts kept in flight by the sender, counted in deliveries to every member. */
const WINDOW = 4;

/** `members` connections join one room; one more connection broadcasts to it; deliveries/s. */
export function fanOut(options: FanOutOptions): Scenario {
  const { members, payloadBytes } = options;
  return {
    id: `fanout-${members}`,
    group: 'fanout',
    title: `broadcast fan-out to ${members.toLocaleString('en-US')} members, ${payloadBytes} B`,
    targets: GATEWAY_TARGETS,
    baseline: 'ws-json',
    metrics: [
      { key: 'deliveriesPerSecond', label: 'deliveries/s', unit: 'msg/s', isHigherBetter: true },
      { key: 'deliveriesPerCpuSecond', label: 'deliveries / server CPU-s', unit: 'msg/s', isHigherBetter: true },
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
        window: WINDOW,
        concurrency: 128,
        join: joinMessage(target.wire, room),
        broadcast: broadcastMessage(target.wire, room, payloadOf(payloadBytes)),
        warmupMs: options.warmupMs,
        durationMs: options.durationMs,
      });
      return {
        values: { deliveriesPerSecond: result.messagesPerSecond, deliveriesPerCpuSecond: perCpuSecond(result.messagesPerSecond, serverCpuPercent) },
        loadgenCpuPercent: result.cpuPercent,
        serverCpuPercent,
        backgroundCpuPercent,
        failures: result.failed + result.stalls,
      };
    },
  };
}
