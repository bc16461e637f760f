import { LoadgenArgs } from '../loadgen/loadgen-client';
import { GATEWAY_TARGETS, RAW_TARGETS, Target } from '../peers/peer-catalog';
import { perCpuSecond, Scenario } from './scenario';
import { echoMessage, payloadOf } from './wire-messages';

export interface EchoOptions {
  connections: number;
  payloadBytes: number;
  isEnveloped: boolean;
  /** Raw echo only: binary frames instead of text. */
  isBinary?: boolean;
  /** Messages in flight per connection, instead of depthFor()'s. */
  depth?: number;
  warmupMs: number;
  durationMs: number;
  /** Fewer repeats than the suite's, for a costly cell. */
  repeats?: number;
}

/** Bytes one connection keeps in flight at most: 1 MiB × 500 connections × 2 would be 1 GiB in every process. */
const IN_FLIGHT_MAX_BYTES = 256 * 1024;

/** Messages in flight per connection: enough to keep the server busy, the same for every target. */
export function depthFor(connections: number, payloadBytes = 0): number {
  const depth = connections === 1 ? 32 : connections <= 100 ? 8 : 2;
  return Math.max(1, Math.min(depth, Math.floor(IN_FLIGHT_MAX_BYTES / Math.max(1, payloadBytes))));
}

/** The slowest echo of large messages a window must allow for: 128 MiB/s each way through loopback, a loaded machine. */
const SLOWEST_BYTES_PER_MS = (128 * 1024 * 1024) / 1000;

/**
 * Warm-up and measured window of a cell: the suite's, stretched where every connection's bytes in
 * flight take longer to come back (500 connections × 1 MiB: 500 MiB per round) so the warm-up spans
 * one round and the window two; with 1 s, no round trip finished in the window and the cell read 0.
 */
export function echoTiming(options: Pick<EchoOptions, 'connections' | 'payloadBytes' | 'warmupMs' | 'durationMs'>, depth: number): { warmupMs: number; durationMs: number } {
  const roundTripMs = Math.ceil((options.connections * depth * options.payloadBytes) / SLOWEST_BYTES_PER_MS);
  return { warmupMs: Math.max(options.warmupMs, roundTripMs), durationMs: Math.max(options.durationMs, 2 * roundTripMs) };
}

/** What the load generator sends for one target: large raw payloads are made by the load generator itself. */
export function echoLoadMessage(target: Target, payloadBytes: number, isBinary: boolean): Pick<LoadgenArgs, 'message' | 'messageBytes' | 'isBinary'> {
  if (target.wire === 'raw') return { messageBytes: payloadBytes, isBinary };
  return { message: echoMessage(target.wire, payloadOf(payloadBytes)) };
}

function sizeLabel(bytes: number): string {
  if (bytes >= 1 << 20) return `${bytes / (1 << 20)} MiB`;
  return bytes >= 1024 ? `${bytes / 1024} KiB` : `${bytes} B`;
}

/** Closed-loop echo: each connection keeps `depth` messages in flight; messages/s over the window. */
export function echoThroughput(options: EchoOptions): Scenario {
  const { connections, payloadBytes, isEnveloped } = options;
  const isBinary = !isEnveloped && options.isBinary === true;
  const depth = options.depth ?? depthFor(connections, payloadBytes);
  const isDefaultDepth = options.depth === undefined;
  const timing = echoTiming(options, depth);
  // Ids of the first scenarios stay as they were (issue-targets.ts, earlier results).
  const kind = isEnveloped ? 'gateway' : isBinary ? 'raw-bin' : 'raw';
  return {
    id: `echo-${kind}-${payloadBytes}b-${connections}c${isDefaultDepth ? '' : `-x${depth}`}`,
    group: 'echo',
    title: `${isEnveloped ? 'gateway' : 'raw'} echo${isBinary ? ' binary' : ''}, ${sizeLabel(payloadBytes)}, ${connections.toLocaleString('en-US')} conn × ${depth} in flight`,
    targets: isEnveloped ? GATEWAY_TARGETS : RAW_TARGETS,
    baseline: isEnveloped ? 'ws-json' : 'ws',
    repeats: options.repeats,
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
        depth,
        ...echoLoadMessage(target, payloadBytes, isBinary),
        ...timing,
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
