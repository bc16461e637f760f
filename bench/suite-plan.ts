import { deflateEcho } from './scenarios/deflate-echo';
import { depthFor, echoThroughput } from './scenarios/echo-throughput';
import { fanOut } from './scenarios/fan-out';
import { idleConnections } from './scenarios/idle-connections';
import { latency } from './scenarios/latency';
import { Scenario } from './scenarios/scenario';

/** How long and how often: --quick must finish in under two minutes on 2 cores. */
export interface PlanSettings {
  name: 'quick' | 'full';
  repeats: number;
  warmupMs: number;
  durationMs: number;
  fanoutMembers: number[];
  idleConnections: number[];
  /** Raw echo of large messages (issue 17), text and binary: every size at every connection count, shorter and fewer runs. */
  sizeMatrix: { payloadBytes: number[]; connections: number[]; warmupMs: number; durationMs: number; repeats: number };
  /** Raw echo 32 B on one connection at these depths (issue 17: one busy connection); 32 is already echo-raw-32b-1c. */
  oneConnectionDepths: number[];
}

const KIB = 1024;
const MIB = 1024 * KIB;

export const QUICK: PlanSettings = {
  name: 'quick',
  repeats: 1,
  warmupMs: 200,
  durationMs: 500,
  fanoutMembers: [1_000],
  idleConnections: [4_000],
  sizeMatrix: { payloadBytes: [64 * KIB], connections: [10], warmupMs: 200, durationMs: 500, repeats: 1 },
  oneConnectionDepths: [8],
};
// The size matrix adds 17 cells × 3 targets: 2 repeats of 1.5 s keep the full run near 15 minutes.
export const FULL: PlanSettings = {
  name: 'full',
  repeats: 3,
  warmupMs: 1_000,
  durationMs: 2_000,
  fanoutMembers: [1_000, 10_000],
  idleConnections: [10_000, 50_000],
  sizeMatrix: { payloadBytes: [4 * KIB, 64 * KIB, MIB], connections: [1, 10, 500], warmupMs: 500, durationMs: 1_000, repeats: 2 },
  oneConnectionDepths: [8],
};

const ECHO_CONNECTIONS = [1, 100, 1_000];
const PAYLOAD_BYTES = [32, 4_096];
const LATENCY = { connections: 100, rate: 5_000, payloadBytes: 32 };
/** File descriptors the driver side needs beyond the connections themselves. */
const FD_HEADROOM = 512;

export interface PlannedSuite {
  scenarios: Scenario[];
  /** Scenarios left out, and why (e.g. 50,000 idle connections past the fd limit). */
  skipped: { id: string; reason: string }[];
}

export function planSuite(settings: PlanSettings, fdLimit: number): PlannedSuite {
  const scenarios: Scenario[] = [];
  const skipped: PlannedSuite['skipped'] = [];
  const timing = { warmupMs: settings.warmupMs, durationMs: settings.durationMs };
  for (const isEnveloped of [false, true]) {
    for (const connections of ECHO_CONNECTIONS) {
      for (const payloadBytes of PAYLOAD_BYTES) scenarios.push(echoThroughput({ connections, payloadBytes, isEnveloped, ...timing }));
    }
  }
  for (const depth of settings.oneConnectionDepths) scenarios.push(echoThroughput({ connections: 1, payloadBytes: 32, isEnveloped: false, depth, ...timing }));
  const { payloadBytes: sizes, connections: counts, ...matrixRuns } = settings.sizeMatrix;
  for (const isBinary of [false, true]) {
    for (const payloadBytes of sizes) {
      for (const connections of counts) {
        const cell = echoThroughput({ connections, payloadBytes, isEnveloped: false, isBinary, ...matrixRuns });
        // Text 4 KiB on 1 connection is echo-raw-4096b-1c above, at the suite's repeats.
        if (!scenarios.some((s) => s.id === cell.id)) scenarios.push(cell);
      }
    }
  }
  // Issue 17: permessage-deflate echo, 4 KiB JSON, 100 connections.
  for (const isEachReplyAlone of [false, true]) scenarios.push(deflateEcho({ connections: 100, payloadBytes: 4 * KIB, depth: depthFor(100, 4 * KIB), isEachReplyAlone, ...timing }));
  const latencyTiming = { warmupMs: settings.warmupMs, durationMs: settings.durationMs * 2 };
  for (const isEnveloped of [false, true]) scenarios.push(latency({ ...LATENCY, isEnveloped, ...latencyTiming }));
  for (const members of settings.fanoutMembers) {
    if (members + FD_HEADROOM > fdLimit) skipped.push({ id: `fanout-${members}`, reason: `needs ${members + FD_HEADROOM} fds, hard limit is ${fdLimit}` });
    else scenarios.push(fanOut({ members, payloadBytes: 32, ...timing }));
  }
  // Issue 17: 200 broadcasts/s to 1,000 members, 5 ms apart: CPU per delivery without bursts.
  scenarios.push(fanOut({ members: 1_000, broadcastsPerSecond: 200, payloadBytes: 32, ...timing }));
  for (const connections of settings.idleConnections) {
    if (connections + FD_HEADROOM > fdLimit) {
      skipped.push({ id: `idle-${connections}`, reason: `needs ${connections + FD_HEADROOM} fds per process, hard limit (ulimit -Hn) is ${fdLimit}` });
    } else {
      const isQuick = settings.name === 'quick';
      scenarios.push(idleConnections({ connections, concurrency: 100, warmupConnections: isQuick ? 500 : 2_000, settleMs: isQuick ? 500 : 1_500 }));
    }
  }
  return { scenarios, skipped };
}
