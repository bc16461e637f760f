import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LoadgenArgs, LoadgenResult, startLoadgen } from '../loadgen/loadgen-client';
import { TARGETS, TargetId } from '../peers/peer-catalog';
import { startPeer } from '../peers/peer-process';
import { deflateEchoLoad } from '../scenarios/deflate-echo';
import { depthFor, echoLoadMessage } from '../scenarios/echo-throughput';
import { Pinning } from '../system/cpu-pinning';
import { freePort } from '../system/free-port';
import { PROFILE_DIR, RESULTS_DIR } from '../system/paths';
import { SampleWindow, selfTimes } from './cpu-profile-summary';

interface ProfileCase {
  name: string;
  target: TargetId;
  /** Load generator runs, one after the other, against one profiled server. */
  loads(port: number): LoadgenArgs[];
  describe(results: LoadgenResult[]): string;
}

const echoLoad = (target: TargetId, port: number, conns = 100, payloadBytes = 32, depth = depthFor(conns, payloadBytes)): LoadgenArgs => {
  const { path, protocol } = TARGETS[target];
  return { mode: 'echo', protocol, port, path, conns, depth, ...echoLoadMessage(TARGETS[target], payloadBytes, false), warmupMs: 1_000, durationMs: 6_000 };
};
const msgsPerSecond = ([result]: LoadgenResult[]) => `${Math.round(result.messagesPerSecond).toLocaleString('en-US')} msg/s, loadgen CPU ${Math.round(result.cpuPercent)}%`;

const handshakes = (name: string, target: TargetId): ProfileCase => ({
  name,
  target,
  loads: (port) => Array.from({ length: 4 }, () => ({ mode: 'idle', protocol: 'ws', port, path: TARGETS[target].path, conns: 5_000, concurrency: 100, holdMs: 0 }) as LoadgenArgs),
  describe: (results) => `${results.map((r) => Math.round(r.handshakesPerSecond).toLocaleString('en-US')).join(', ')} handshakes/s`,
});

const CASES: ProfileCase[] = [
  { name: 'raw-echo-32b-100c', target: 'ours-raw', loads: (port) => [echoLoad('ours-raw', port)], describe: msgsPerSecond },
  { name: 'gateway-echo-32b-100c', target: 'ours-gateway', loads: (port) => [echoLoad('ours-gateway', port)], describe: msgsPerSecond },
  { name: 'gateway-echo-32b-1000c', target: 'ours-gateway', loads: (port) => [echoLoad('ours-gateway', port, 1_000)], describe: msgsPerSecond },
  // Issue 17: large messages, and one busy connection.
  { name: 'raw-echo-64kib-10c', target: 'ours-raw', loads: (port) => [echoLoad('ours-raw', port, 10, 64 * 1024)], describe: msgsPerSecond },
  // Issue 17: the gateway's JSON dispatch with 4 KiB messages on many connections.
  { name: 'gateway-echo-4kib-100c', target: 'ours-gateway', loads: (port) => [echoLoad('ours-gateway', port, 100, 4 * 1024)], describe: msgsPerSecond },
  { name: 'gateway-echo-4kib-1000c', target: 'ours-gateway', loads: (port) => [echoLoad('ours-gateway', port, 1_000, 4 * 1024)], describe: msgsPerSecond },
  { name: 'raw-echo-32b-1c-x8', target: 'ours-raw', loads: (port) => [echoLoad('ours-raw', port, 1, 32, 8)], describe: msgsPerSecond },
  {
    name: 'deflate-echo-4kib-100c',
    target: 'ours-deflate',
    loads: (port) => [{ ...deflateEchoLoad(100, 4 * 1024), port, warmupMs: 1_000, durationMs: 6_000 }],
    describe: msgsPerSecond,
  },
  handshakes('handshakes-5000x4', 'ours-gateway'),
  // Issue 17: the raw /echo route on the app's server (node:http), the ≥ 1.1× ws target.
  handshakes('handshakes-echo-5000x4', 'ours-raw'),
  // Issue 17: a gateway's own port, no node:http.
  handshakes('handshakes-own-port-5000x4', 'ours-own-port'),
];
const TOP = 30;

/** A fresh server per case (those --only names) under `node --cpu-prof`; bench/results/profile.md lists the top self time. */
export async function runProfile(loadgen: string, pinning: Pinning, only: string[]): Promise<void> {
  mkdirSync(PROFILE_DIR, { recursive: true });
  const sections = [`# CPU profile of nest-rfc6455 (node --cpu-prof), ${new Date().toISOString().slice(0, 16)} UTC`, '', pinning.description, ''];
  // --only picks cases by a part of their name, as it picks scenarios.
  for (const profileCase of CASES.filter((c) => only.length === 0 || only.some((part) => c.name.includes(part)))) {
    const file = `${profileCase.name}.cpuprofile`;
    const flags = ['--cpu-prof', '--cpu-prof-dir', PROFILE_DIR, '--cpu-prof-name', file];
    const peer = await startPeer(TARGETS[profileCase.target].peer, await freePort(), { pinning, nodeFlags: flags });
    const results: LoadgenResult[] = [];
    const windows: SampleWindow[] = [];
    const nowUs = () => Number(process.hrtime.bigint() / 1000n);
    try {
      for (const args of profileCase.loads(peer.port)) {
        // Echo: the measured window. Handshakes: from the first connect to CONNECTED.
        const window: SampleWindow = { startUs: nowUs(), endUs: Infinity };
        windows.push(window);
        const hooks = {
          onMeasureStart: () => void (window.startUs = nowUs()),
          onMeasureEnd: () => void (window.endUs = nowUs()),
          onConnected: () => void (args.mode === 'idle' && (window.endUs = nowUs())),
        };
        results.push(await startLoadgen(loadgen, args, pinning, hooks).result);
        await sleep(1_000); // the server closes the last run's connections outside any window
      }
    } finally {
      await peer.stop();
    }
    const { busyMs, idleMs, functions } = selfTimes(join(PROFILE_DIR, file), windows);
    sections.push(
      `## ${profileCase.name} (${TARGETS[profileCase.target].label}): ${profileCase.describe(results)}, with the profiler on`,
      '',
      `samples from the load windows only: busy ${Math.round(busyMs)} ms, idle ${Math.round(idleMs)} ms; profile: bench/results/profiles/${file}`,
      '',
      '| self % of busy | self ms | function | location |',
      '|---:|---:|---|---|',
      ...functions.slice(0, TOP).map((f) => `| ${f.percent.toFixed(1)} | ${Math.round(f.selfMs)} | \`${f.name}\` | ${f.location} |`),
      '',
    );
  }
  const markdown = sections.join('\n');
  writeFileSync(join(RESULTS_DIR, 'profile.md'), markdown);
  console.log(markdown);
}
