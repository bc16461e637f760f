// Cross-node fan-out: N nodes on this machine share rooms through one redis-server, a Redis Cluster
// of 3 masters or one nats-server, subscribers are spread over them, one publisher on node 0 broadcasts
// to their room. Run for nest-rfc6455's RedisAdapter (standalone and Cluster) and NatsAdapter and for
// socket.io's @socket.io/redis-adapter,
// interleaved, in the same run.
//
//   npx tsc -p bench/cross-node/tsconfig.json (and sample/public copied beside: README.md)
//   node bench/.build/dist/bench/cross-node/cross-node.js [--quick]
import { Redis } from 'ioredis';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { NatsServer } from '../../test/helpers/nats-server';
import { RedisCluster } from '../../test/helpers/redis-cluster';
import { RESULTS_DIR } from '../system/paths';
import { cpuSeconds } from '../system/proc-stats';
import { RedisServer } from '../../test/helpers/redis-server';
import { BenchClient } from './bench-client';
import { CROSS_NODE_TARGETS, CrossNodeTarget } from './cross-node-targets';
import { startNodes } from './node-processes';

interface Options {
  nodes: number;
  subscribers: number;
  warmupSeconds: number;
  seconds: number;
  repeats: number;
  /** Open-loop broadcasts per second for the latency run. */
  rate: number;
  /** Broadcasts in flight for the throughput run. */
  window: number;
}

type Mode = 'throughput' | 'latency';

interface RunResult {
  target: CrossNodeTarget['id'];
  mode: Mode;
  deliveriesPerSecond: number;
  /** CPU seconds of the nodes, and of the broker, over the measured window. */
  nodeCpuSeconds: number;
  brokerCpuSeconds: number;
  /** Deliveries missing at the end, over those expected. */
  lossRatio: number;
  local: Percentiles;
  remote: Percentiles;
}

interface Percentiles {
  p50: number;
  p99: number;
}

const ROOM = 'cross-node';
const DRAIN_MS = 2000;
const CONNECT_BATCH = 50;

function parseOptions(argv: readonly string[]): Options {
  const quick = argv.includes('--quick');
  const value = (flag: string, fallback: number): number => {
    const at = argv.indexOf(flag);
    return at >= 0 ? Number(argv[at + 1]) : fallback;
  };
  return {
    nodes: value('--nodes', 3),
    subscribers: value('--subscribers', quick ? 150 : 300),
    warmupSeconds: quick ? 0.5 : 1,
    seconds: value('--seconds', quick ? 2 : 5),
    repeats: value('--repeats', quick ? 1 : 3),
    rate: value('--rate', 100),
    window: value('--window', 16),
  };
}

/** The brokers every run shares: one redis-server, a Redis Cluster of 3 masters, one nats-server. */
interface BrokerProcesses {
  redis: RedisServer;
  cluster: RedisCluster;
  nats: NatsServer;
}

/** The processes whose CPU counts as the target's broker. */
function brokerPids(target: CrossNodeTarget, { redis, cluster, nats }: BrokerProcesses): number[] {
  if (target.broker === 'natsUrl') return [nats.pid ?? NaN];
  if (target.broker === 'redisClusterUrls') return cluster.nodes.map((node) => node.pid ?? NaN);
  return [redis.pid ?? NaN];
}

/** Every run starts on empty Redis keys. */
async function flushRedis({ redis, cluster }: BrokerProcesses): Promise<void> {
  for (const url of [redis.url, ...cluster.nodes.map((node) => node.url)]) {
    const probe = new Redis(url);
    await probe.flushall();
    probe.disconnect();
  }
}

async function runOnce(target: CrossNodeTarget, mode: Mode, brokers: BrokerProcesses, options: Options): Promise<RunResult> {
  await flushRedis(brokers);
  const nodes = await startNodes(target, options.nodes, { redisUrl: brokers.redis.url, redisClusterUrls: brokers.cluster.urls, natsUrl: brokers.nats.url });
  const clients: BenchClient[] = [];
  try {
    const subscribers: { client: BenchClient; isLocal: boolean }[] = [];
    for (let start = 0; start < options.subscribers; start += CONNECT_BATCH) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(CONNECT_BATCH, options.subscribers - start) }, async (_, i) => {
          const node = (start + i) % options.nodes;
          const client = await BenchClient.connect(target.wire, nodes.ports[node]);
          clients.push(client);
          await client.join(ROOM);
          return { client, isLocal: node === 0 };
        }),
      );
      subscribers.push(...batch);
    }
    const publisher = await BenchClient.connect(target.wire, nodes.ports[0]);
    clients.push(publisher);
    return await measure(target, mode, publisher, subscribers, { nodes: nodes.pids, broker: brokerPids(target, brokers) }, options);
  } finally {
    for (const client of clients) client.close();
    await nodes.stop();
  }
}

interface Pids {
  nodes: number[];
  broker: number[];
}

/** CPU seconds used so far by the nodes together, and by the broker. */
const cpuOf = ({ nodes, broker }: Pids): { nodes: number; broker: number } => ({ nodes: nodes.reduce((sum, pid) => sum + cpuSeconds(pid), 0), broker: broker.reduce((sum, pid) => sum + cpuSeconds(pid), 0) });

async function measure(target: CrossNodeTarget, mode: Mode, publisher: BenchClient, subscribers: { client: BenchClient; isLocal: boolean }[], pids: Pids, options: Options): Promise<RunResult> {
  const startedAt = performance.now();
  const windowStart = startedAt + options.warmupSeconds * 1000;
  const windowEnd = windowStart + options.seconds * 1000;
  let cpuAtStart = cpuOf(pids);
  const startTimer = setTimeout(() => (cpuAtStart = cpuOf(pids)), windowStart - performance.now());
  const local: number[] = [];
  const remote: number[] = [];
  let sentInWindow = 0;
  let sent = 0;
  let probeReceived = 0;
  let lastDeliveryAt = performance.now();
  const send = (intendedAt: number): void => {
    publisher.broadcast(ROOM, `${sent++}|${intendedAt.toFixed(3)}`);
    if (intendedAt >= windowStart && intendedAt < windowEnd) sentInWindow++;
  };
  for (const [index, { client, isLocal }] of subscribers.entries()) {
    const samples = isLocal ? local : remote;
    const isProbe = index === subscribers.length - 1; // on the last node: a remote member
    client.onMsg = (payload) => {
      const now = performance.now();
      lastDeliveryAt = now;
      const sentAt = Number(payload.slice(payload.indexOf('|') + 1));
      if (sentAt >= windowStart && sentAt < windowEnd) samples.push(now - sentAt);
      if (isProbe && mode === 'throughput') {
        probeReceived++;
        if (now < windowEnd && sent - probeReceived < options.window) send(now);
      }
    };
  }
  if (mode === 'throughput') {
    // Closed loop: keep `window` broadcasts in flight, as seen by the remote probe; a timer tops it up after losses.
    const topUp = setInterval(() => {
      while (performance.now() < windowEnd && sent - probeReceived < options.window) send(performance.now());
    }, 50);
    topUp.unref();
    await sleepUntil(windowEnd);
    clearInterval(topUp);
  } else {
    // Open loop: latency counts from the intended send time, so a stalled server is not hidden.
    const periodMs = 1000 / options.rate;
    const timer = setInterval(() => {
      const dueBy = Math.min(performance.now(), windowEnd);
      while (startedAt + sent * periodMs <= dueBy) send(startedAt + sent * periodMs);
    }, 1); // a 1 ms tick: sends leave at most about a millisecond after their intended time
    await sleepUntil(windowEnd);
    clearInterval(timer);
  }
  clearTimeout(startTimer);
  const cpuAtEnd = cpuOf(pids);
  const drainDeadline = performance.now() + DRAIN_MS;
  while (performance.now() < drainDeadline && performance.now() - lastDeliveryAt < 300) await sleep(50);
  const delivered = local.length + remote.length;
  const expected = sentInWindow * subscribers.length;
  return {
    target: target.id,
    mode,
    deliveriesPerSecond: delivered / options.seconds,
    nodeCpuSeconds: cpuAtEnd.nodes - cpuAtStart.nodes,
    brokerCpuSeconds: cpuAtEnd.broker - cpuAtStart.broker,
    lossRatio: expected === 0 ? 0 : Math.max(0, 1 - delivered / expected),
    local: percentiles(local),
    remote: percentiles(remote),
  };
}

function percentiles(samples: number[]): Percentiles {
  const sorted = Float64Array.from(samples).sort();
  const at = (q: number): number => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]);
  return { p50: at(0.5), p99: at(0.99) };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.floor(sorted.length / 2)];
};

function report(results: RunResult[], options: Options): string {
  const ms = (value: number): string => (Number.isNaN(value) ? 'n/a' : value.toFixed(2));
  const lines = [
    `# Cross-node fan-out`,
    '',
    `${options.nodes} nodes on this machine, one redis-server, a Redis Cluster of 3 masters (no replicas) and one nats-server, ${options.subscribers} subscribers spread evenly, one publisher on node 0; medians of ${options.repeats} interleaved repeat(s), ${options.seconds} s measured after ${options.warmupSeconds} s of warm-up. CPU-s: user + system time of the node processes and of the broker over the measured window, which other load on the machine does not skew.`,
    '',
    `| target | deliveries/s (${options.window} broadcasts in flight) | deliveries / node CPU-s | broker CPU-s per 100k deliveries | lost | latency p50 / p99, publisher's node (ms, at ${options.rate} broadcasts/s) | other nodes | the broker hop (p50 other − p50 publisher's) |`,
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const target of CROSS_NODE_TARGETS) {
    const of = (mode: Mode): RunResult[] => results.filter((result) => result.target === target.id && result.mode === mode);
    const throughput = of('throughput');
    const latency = of('latency');
    if (throughput.length === 0 && latency.length === 0) continue;
    const localP50 = median(latency.map((r) => r.local.p50));
    const remoteP50 = median(latency.map((r) => r.remote.p50));
    lines.push(
      `| ${target.label} | ${Math.round(median(throughput.map((r) => r.deliveriesPerSecond))).toLocaleString('en-US')} | ${Math.round(median(throughput.map((r) => (r.deliveriesPerSecond * options.seconds) / r.nodeCpuSeconds))).toLocaleString('en-US')} | ${median(throughput.map((r) => (r.brokerCpuSeconds * 100_000) / (r.deliveriesPerSecond * options.seconds))).toFixed(3)} | ${(100 * median([...throughput, ...latency].map((r) => r.lossRatio))).toFixed(2)} % | ${ms(localP50)} / ${ms(median(latency.map((r) => r.local.p99)))} | ${ms(remoteP50)} / ${ms(median(latency.map((r) => r.remote.p99)))} | ${ms(remoteP50 - localP50)} |`,
    );
  }
  return lines.join('\n');
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const sleepUntil = (at: number): Promise<void> => sleep(Math.max(0, at - performance.now()));

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const brokers: BrokerProcesses = { redis: await RedisServer.start(), cluster: await RedisCluster.start({ masters: 3, replicasPerMaster: 0 }), nats: await NatsServer.start() };
  const results: RunResult[] = [];
  try {
    for (let repeat = 1; repeat <= options.repeats; repeat++) {
      for (const mode of ['throughput', 'latency'] as const) {
        for (const target of CROSS_NODE_TARGETS) {
          const result = await runOnce(target, mode, brokers, options);
          console.error(
            `repeat ${repeat} ${mode} ${target.id}: ${Math.round(result.deliveriesPerSecond)} deliveries/s, nodes ${result.nodeCpuSeconds.toFixed(2)} CPU-s, broker ${result.brokerCpuSeconds.toFixed(2)} CPU-s, p50 ${result.local.p50.toFixed(2)} / ${result.remote.p50.toFixed(2)} ms`,
          );
          results.push(result);
        }
      }
    }
  } finally {
    await Promise.all([brokers.redis.dispose(), brokers.cluster.dispose(), brokers.nats.dispose()]);
  }
  const markdown = report(results, options);
  console.log(markdown);
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(join(RESULTS_DIR, 'cross-node.md'), `${markdown}\n`);
  writeFileSync(join(RESULTS_DIR, 'cross-node.json'), `${JSON.stringify({ options, results }, null, 2)}\n`);
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
