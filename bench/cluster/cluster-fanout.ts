// Cluster mode's fan-out (issue 17, "Every core"): the sample app's /bench broadcast to one room
// with 1 worker (one process, MemoryAdapter), 2 workers sharing the port through the primary's
// IpcHub (WORKERS=2), and 2 workers on Redis (WORKERS=2 REDIS_URL, its own redis-server), each
// measured by the C load generator in fan-out mode, interleaved. Deliveries/s, and deliveries per
// CPU-second of every server process (primary and workers; redis-server counted apart and with).
// See bench/cluster/README.md.
import { ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { RedisServer } from '../../test/helpers/redis-server';
import { buildLoadgen } from '../loadgen/build-loadgen';
import { LoadgenResult, startLoadgen } from '../loadgen/loadgen-client';
import { broadcastMessage, joinMessage, payloadOf } from '../scenarios/wire-messages';
import { killAll, killChildrenOnExit, track } from '../system/child-processes';
import { choosePinning } from '../system/cpu-pinning';
import { freePort } from '../system/free-port';
import { machineInfo } from '../system/machine-info';
import { RESULTS_DIR } from '../system/paths';
import { cpuSeconds, machineBusySeconds } from '../system/proc-stats';

interface Options {
  members: number;
  payloadBytes: number;
  /** Broadcasts the sender keeps in flight. */
  window: number;
  repeats: number;
  warmupMs: number;
  durationMs: number;
}

const FULL: Options = { members: 1_000, payloadBytes: 32, window: 4, repeats: 3, warmupMs: 1_000, durationMs: 3_000 };
const QUICK: Options = { ...FULL, repeats: 1, warmupMs: 500, durationMs: 1_500 };

const READY_TIMEOUT_MS = 60_000;
const MAIN = join(__dirname, '..', '..', 'sample', 'src', 'main.js');

interface Config {
  id: 'workers-1' | 'workers-2-ipc' | 'workers-2-redis';
  label: string;
  workers: number;
  usesRedis: boolean;
}

const CONFIGS: Config[] = [
  { id: 'workers-1', label: '1 process (MemoryAdapter)', workers: 1, usesRedis: false },
  { id: 'workers-2-ipc', label: '2 workers, IPC broker (WORKERS=2)', workers: 2, usesRedis: false },
  { id: 'workers-2-redis', label: '2 workers, Redis (WORKERS=2 REDIS_URL)', workers: 2, usesRedis: true },
];

interface RunningServer {
  config: Config;
  port: number;
  child: ChildProcess;
}

/** One measured run. */
interface Sample {
  deliveriesPerSecond: number;
  /** CPU of the primary and its workers over the measured window, % of one core. */
  serverCpuPercent: number;
  /** redis-server's, % of one core (0 without Redis). */
  brokerCpuPercent: number;
  loadgenCpuPercent: number;
  /** Everything else on the machine over the window, % of one core. */
  backgroundCpuPercent: number;
  stalls: number;
}

/** The process and its descendants (a cluster primary's workers), from /proc. */
function processTree(pid: number): number[] {
  const children: number[] = [];
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    const listed = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
    if (listed !== '') children.push(...listed.split(' ').map(Number));
  }
  return [pid, ...children.flatMap(processTree)];
}

const treeCpuSeconds = (pid: number): number => processTree(pid).reduce((sum, each) => sum + cpuSeconds(each), 0);

async function startServer(config: Config, redisUrl: string | undefined): Promise<RunningServer> {
  const port = await freePort();
  const env = { ...process.env, PORT: String(port), WORKERS: String(config.workers), NO_COLOR: '1', REDIS_URL: config.usesRedis ? redisUrl : '' };
  const child = track(spawn(process.execPath, [MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'] }));
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${config.id} not listening after ${READY_TIMEOUT_MS} ms:\n${output.slice(-2000)}`)), READY_TIMEOUT_MS);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      // Every worker says it once.
      if ((output.match(/listening on http/g) ?? []).length >= config.workers) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${config.id} exited with ${code}:\n${output.slice(-2000)}`));
    });
  });
  return { config, port, child };
}

async function stopServer({ child }: RunningServer): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM'); // the primary's workers exit with its channel
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

async function measure(loadgen: string, server: RunningServer, redis: RedisServer | undefined, options: Options, run: number): Promise<Sample> {
  const pid = server.child.pid as number;
  const redisPid = server.config.usesRedis ? redis?.pid : undefined;
  const room = `cluster-${server.config.id}-${run}`;
  let start: { at: number; server: number; broker: number; machine: number } | undefined;
  let end: typeof start;
  const snapshot = () => ({ at: performance.now(), server: treeCpuSeconds(pid), broker: redisPid ? cpuSeconds(redisPid) : 0, machine: machineBusySeconds() });
  const pinning = await choosePinning('off'); // two workers need both cores: nothing is pinned
  const { result } = startLoadgen(
    loadgen,
    {
      mode: 'fanout',
      protocol: 'ws',
      port: server.port,
      path: '/bench',
      conns: options.members,
      window: options.window,
      concurrency: 128,
      join: joinMessage('envelope', room),
      broadcast: broadcastMessage('envelope', room, payloadOf(options.payloadBytes)),
      warmupMs: options.warmupMs,
      durationMs: options.durationMs,
    },
    pinning,
    { onMeasureStart: () => (start = snapshot()), onMeasureEnd: () => (end = snapshot()) },
  );
  const measured: LoadgenResult = await result;
  if (!start || !end) throw new Error('the load generator did not mark its measured window');
  const seconds = (end.at - start.at) / 1000;
  const percent = (cpu: number): number => (cpu / seconds) * 100;
  const serverCpuPercent = percent(end.server - start.server);
  const brokerCpuPercent = percent(end.broker - start.broker);
  return {
    deliveriesPerSecond: measured.messagesPerSecond,
    serverCpuPercent,
    brokerCpuPercent,
    loadgenCpuPercent: measured.cpuPercent,
    backgroundCpuPercent: Math.max(0, percent(end.machine - start.machine) - serverCpuPercent - brokerCpuPercent - measured.cpuPercent),
    stalls: measured.stalls + measured.failed,
  };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

function machineLine(): string {
  const { cpuModel, cores, memoryGiB, node, kernel } = machineInfo();
  return `${cpuModel}, ${cores} cores, ${memoryGiB} GiB, Node ${node}, Linux ${kernel}, load average ${loadavg().map((load) => load.toFixed(2)).join(' ')} at the end`;
}

const thousands = (value: number): string => Math.round(value).toLocaleString('en-US');

function report(options: Options, samples: Map<Config, Sample[]>, startedAt: string, command: string): string {
  const rows = CONFIGS.map((config) => {
    const runs = samples.get(config) ?? [];
    const of = (pick: (sample: Sample) => number): number => median(runs.map(pick));
    const deliveries = of((s) => s.deliveriesPerSecond);
    const serverCpu = of((s) => s.serverCpuPercent);
    const brokerCpu = of((s) => s.brokerCpuPercent);
    const perServerCpuSecond = of((s) => s.deliveriesPerSecond / (s.serverCpuPercent / 100));
    const perAllCpuSecond = of((s) => s.deliveriesPerSecond / ((s.serverCpuPercent + s.brokerCpuPercent) / 100));
    return { config, deliveries, serverCpu, brokerCpu, perServerCpuSecond, perAllCpuSecond, loadgen: of((s) => s.loadgenCpuPercent), background: of((s) => s.backgroundCpuPercent), stalls: runs.reduce((sum, s) => sum + s.stalls, 0) };
  });
  const base = rows[0];
  const lines = [
    `# Cluster mode: broadcast fan-out, 1 worker vs 2 (IPC) vs 2 (Redis)`,
    '',
    `${startedAt}, \`${command}\`; ${machineLine()}.`,
    `${options.members.toLocaleString('en-US')} members of one room on ws /bench (spread over the workers by the cluster's round-robin), one more connection broadcasting ${options.payloadBytes} B with ${options.window} broadcasts in flight; medians of ${options.repeats} interleaved repeat(s), ${options.durationMs / 1000} s measured after ${options.warmupMs / 1000} s of warm-up. Nothing pinned: the load generator and the workers share the 2 cores.`,
    '',
    '| setup | deliveries/s | × 1 worker | server CPU (% of a core) | redis-server CPU | deliveries / server CPU-s | deliveries / CPU-s incl. Redis | µs of server CPU per delivery | load generator CPU | other load | stalls |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (row) =>
        `| ${row.config.label} | ${thousands(row.deliveries)} | ${(row.deliveries / base.deliveries).toFixed(2)}× | ${row.serverCpu.toFixed(0)} | ${row.brokerCpu.toFixed(0)} | ${thousands(row.perServerCpuSecond)} | ${thousands(row.perAllCpuSecond)} | ${(1e6 / row.perAllCpuSecond).toFixed(2)} | ${row.loadgen.toFixed(0)} | ${row.background.toFixed(0)} | ${row.stalls} |`,
    ),
    '',
  ];
  return lines.join('\n');
}

async function main(): Promise<void> {
  const isQuick = process.argv.includes('--quick');
  const options = isQuick ? QUICK : FULL;
  killChildrenOnExit();
  const loadgen = buildLoadgen();
  const startedAt = new Date().toISOString();
  const redis = await RedisServer.start();
  const servers: RunningServer[] = [];
  const samples = new Map<Config, Sample[]>(CONFIGS.map((config) => [config, []]));
  try {
    for (const config of CONFIGS) servers.push(await startServer(config, redis.url));
    for (let repeat = 0; repeat < options.repeats; repeat++) {
      for (const server of servers) {
        const sample = await measure(loadgen, server, redis, options, repeat);
        samples.get(server.config)?.push(sample);
        console.error(`cluster bench: ${server.config.id} #${repeat + 1}: ${thousands(sample.deliveriesPerSecond)} deliveries/s, server CPU ${sample.serverCpuPercent.toFixed(0)}%, redis ${sample.brokerCpuPercent.toFixed(0)}%`);
      }
    }
  } finally {
    await Promise.all(servers.map(stopServer));
    await redis.dispose();
  }
  const command = `npm run bench:cluster${isQuick ? ' -- --quick' : ''}`;
  const markdown = report(options, samples, startedAt, command);
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(join(RESULTS_DIR, 'cluster.md'), markdown);
  writeFileSync(join(RESULTS_DIR, 'cluster.json'), JSON.stringify({ startedAt, command, options, samples: Object.fromEntries([...samples].map(([config, runs]) => [config.id, runs])) }, null, 2));
  console.log(markdown);
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(killAll);
