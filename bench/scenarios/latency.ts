import { GATEWAY_TARGETS, RAW_TARGETS } from '../peers/peer-catalog';
import { Scenario } from './scenario';
import { echoMessage, payloadOf } from './wire-messages';

export interface LatencyOptions {
  connections: number;
  /** Messages per second across all connections: well below every target's capacity. */
  rate: number;
  payloadBytes: number;
  isEnveloped: boolean;
  warmupMs: number;
  durationMs: number;
}

/** Open-loop echo at a fixed rate; round trips timed from the intended send time. */
export function latency(options: LatencyOptions): Scenario {
  const { connections, rate, payloadBytes, isEnveloped } = options;
  return {
    id: `latency-${isEnveloped ? 'gateway' : 'raw'}`,
    group: 'latency',
    title: `${isEnveloped ? 'gateway' : 'raw'} echo latency, ${payloadBytes} B at ${rate.toLocaleString('en-US')} msg/s over ${connections} conn`,
    targets: isEnveloped ? GATEWAY_TARGETS : RAW_TARGETS,
    baseline: isEnveloped ? 'ws-json' : 'ws',
    metrics: [
      { key: 'p50us', label: 'p50', unit: 'µs', isHigherBetter: false },
      { key: 'p99us', label: 'p99', unit: 'µs', isHigherBetter: false },
      { key: 'p999us', label: 'p99.9', unit: 'µs', isHigherBetter: false },
    ],
    async run(target, context) {
      const peer = await context.peer(target.peer);
      const { result, serverCpuPercent, backgroundCpuPercent } = await context.measure(peer, {
        mode: 'latency',
        protocol: target.protocol,
        port: peer.port,
        path: target.path,
        conns: connections,
        rate,
        message: echoMessage(target.wire, payloadOf(payloadBytes)),
        warmupMs: options.warmupMs,
        durationMs: options.durationMs,
      });
      return {
        values: { p50us: result.p50us, p99us: result.p99us, p999us: result.p999us },
        loadgenCpuPercent: result.cpuPercent,
        serverCpuPercent,
        backgroundCpuPercent,
        failures: result.failed + result.ringOverflows,
      };
    },
  };
}
