import { GATEWAY_TARGETS, RAW_TARGETS } from '../peers/peer-catalog';
import { perCpuSecond, Scenario } from './scenario';
import { echoMessage, payloadOf } from './wire-messages';

export interface EchoOptions {
  connections: number;
  payloadBytes: number;
  isEnveloped: boolean;
  warmupMs: number;
  durationMs: number;
}

/** Messages in flight per connection: enough to keep the server busy, the same for every target. */
export function depthFor(connections: number): number {
  return connections === 1 ? 32 : connections <= 100 ? 8 : 2;
}

/** Closed-loop echo: each connection keeps `depth` messages in flight; messages/s over the window. */
export function echoThroughput(options: EchoOptions): Scenario {
  const { connections, payloadBytes, isEnveloped } = options;
  const size = payloadBytes >= 1024 ? `${payloadBytes / 1024} KiB` : `${payloadBytes} B`;
  return {
    id: `echo-${isEnveloped ? 'gateway' : 'raw'}-${payloadBytes}b-${connections}c`,
    group: 'echo',
    title: `${isEnveloped ? 'gateway' : 'raw'} echo, ${size}, ${connections.toLocaleString('en-US')} conn × ${depthFor(connections)} in flight`,
    targets: isEnveloped ? GATEWAY_TARGETS : RAW_TARGETS,
    baseline: isEnveloped ? 'ws-json' : 'ws',
    metrics: [
      { key: 'messagesPerSecond', label: 'msgs/s', unit: 'msg/s', isHigherBetter: true },
      { key: 'messagesPerCpuSecond', label: 'msgs / server CPU-s', unit: 'msg/s', isHigherBetter: true },
    ],
    async run(target, context) {
      const peer = await context.peer(target.peer);
      const { result, serverCpuPercent, backgroundCpuPercent } = await context.measure(peer, {
        mode: 'echo',
        protocol: target.protocol,
        port: peer.port,
        path: target.path,
        conns: connections,
        depth: depthFor(connections),
        message: echoMessage(target.wire, payloadOf(payloadBytes)),
        warmupMs: options.warmupMs,
        durationMs: options.durationMs,
      });
      return {
        values: { messagesPerSecond: result.messagesPerSecond, messagesPerCpuSecond: perCpuSecond(result.messagesPerSecond, serverCpuPercent) },
        loadgenCpuPercent: result.cpuPercent,
        serverCpuPercent,
        backgroundCpuPercent,
        failures: result.failed,
      };
    },
  };
}
