// The soak: the built sample app in a child process, held at `connections` WebSocket clients on
// /bench for minutes while they churn (leave and are replaced), join rooms, send sequence-numbered
// echo requests and broadcasts. It fails when an acknowledged message is lost, duplicated or
// reordered on any connection, when the server closes a client on its own, when connections or
// rooms are left behind, or when the server's RSS under load, after a full GC, grows by more than
// `rssTolerance` between the end of the warm-up and the end of the run (a leak).
//
//   npm run soak                    5,000 connections, 40 s warm-up + 180 s (see soak-options.ts)
//   npm run soak:ci                 500 connections, about 45 s: the CI run
//   npm run soak -- --connections 2000 --duration 600
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { HeapProbe, HeapReading } from './heap-probe';
import { SampleProcess } from './sample-process';
import { SoakLedger } from './soak-ledger';
import { parseSoakOptions, SoakOptions } from './soak-options';
import { SoakUser } from './soak-user';

const ROOT = join(__dirname, '..', '..');
const WORK = join(ROOT, '.tmp', 'soak');
const MiB = 1 << 20;
const LEAVE_WAIT_MS = 60_000;

interface RssSample {
  at: number;
  rss: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const mib = (bytes: number): string => `${(bytes / MiB).toFixed(1)} MiB`;
const inMiB = (reading: HeapReading): Record<keyof HeapReading, number> => ({
  rss: reading.rss / MiB,
  heapUsed: reading.heapUsed / MiB,
  external: reading.external / MiB,
});

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.floor(sorted.length / 2)];
}

/** Node cannot raise its own descriptor limit: run again through bash with the soft limit raised. */
function runWithEnoughDescriptors(needed: number): boolean {
  const soft = Number(/Max open files\s+(\d+)/.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1] ?? Infinity);
  if (soft >= needed || process.env.SOAK_FD_RAISED) return false;
  const command = [process.execPath, ...process.execArgv, ...process.argv.slice(1)].map((word) => `'${word.replace(/'/g, `'\\''`)}'`).join(' ');
  const result = spawnSync('bash', ['-c', `ulimit -n 65535 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec ${command}`], {
    stdio: 'inherit',
    env: { ...process.env, SOAK_FD_RAISED: '1' },
  });
  process.exitCode = result.status ?? 1;
  return true;
}

class Population {
  private nextId = 1;
  private isStopping = false;
  private readonly living = new Set<Promise<void>>();

  constructor(
    private readonly options: SoakOptions,
    private readonly url: string,
    private readonly ledger: SoakLedger,
  ) {}

  get size(): number {
    return this.living.size;
  }

  /** One user; when it leaves before the end, another takes its place. */
  spawn(): void {
    const id = this.nextId++;
    const rooms = Math.max(1, Math.ceil(this.options.connections / this.options.roomSize));
    const user = new SoakUser(
      id,
      {
        url: this.url,
        room: `soak-${id % rooms}`,
        echoEveryMs: this.options.echoEverySeconds * 1000,
        broadcastEveryMs: this.options.broadcastEverySeconds * 1000,
        lifetimeMs: this.options.lifetimeSeconds * 1000,
      },
      this.ledger,
    );
    const life = user.live(() => this.isStopping).then(() => {
      this.living.delete(life);
      if (!this.isStopping) this.spawn();
    });
    this.living.add(life);
  }

  async ramp(): Promise<void> {
    const perTick = Math.max(1, Math.round(this.options.rampPerSecond / 10));
    while (this.size < this.options.connections) {
      for (let i = 0; i < perTick && this.size < this.options.connections; i++) this.spawn();
      await sleep(100);
    }
  }

  /** Every user drains its requests and leaves; resolves when all have (or the wait runs out). */
  async stop(): Promise<boolean> {
    this.isStopping = true;
    const all = Promise.all([...this.living]).then(() => true);
    return Promise.race([all, sleep(LEAVE_WAIT_MS).then(() => false)]);
  }
}

async function main(): Promise<void> {
  const options = parseSoakOptions(process.argv.slice(2), process.env);
  if (runWithEnoughDescriptors(options.connections * 2 + 1024)) return;
  mkdirSync(WORK, { recursive: true });
  const started = Date.now();
  const sample = await SampleProcess.start(ROOT, join(WORK, 'sample.log'));
  const ledger = new SoakLedger();
  const population = new Population(options, `ws://127.0.0.1:${sample.port}/bench`, ledger);
  const samples: RssSample[] = [];
  const idleAtStart = sample.rssBytes();
  const failures: string[] = [];
  const sampler = setInterval(() => {
    if (!sample.hasExited) samples.push({ at: Date.now(), rss: sample.rssBytes() });
  }, 1000);
  const progress = setInterval(() => {
    const { counts } = ledger;
    console.log(
      `  ${((Date.now() - started) / 1000).toFixed(0)} s: ${population.size} users, ${counts.connected} connects, ${counts.echoesAcked}/${counts.echoesSent} echoes acked, ` +
        `${counts.roomMessagesReceived} room messages, RSS ${mib(samples[samples.length - 1]?.rss ?? NaN)}, ${ledger.violationCount} violations`,
    );
  }, 10_000);
  const plateau = (): number => median(samples.filter((sample) => sample.at >= Date.now() - options.plateauSeconds * 1000).map((sample) => sample.rss));
  let probe: HeapProbe | undefined;
  const describe = (reading: HeapReading): string => `RSS ${mib(reading.rss)}, heap ${mib(reading.heapUsed)}, external ${mib(reading.external)}`;

  try {
    probe = await HeapProbe.attach(sample.logPath, sample.pid);
    console.log(`soak: ${options.connections} connections on /bench of the sample (pid ${sample.pid}, port ${sample.port}); warm-up ${options.warmupSeconds} s, then ${options.durationSeconds} s`);
    await population.ramp();
    console.log(`  ramped up to ${population.size} connections in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    await sleep(options.warmupSeconds * 1000);
    const startPlateau = plateau();
    const start = await probe.read();
    console.log(`  start, under load, after a full GC: ${describe(start)} (median RSS over ${options.plateauSeconds} s without forcing GC: ${mib(startPlateau)})`);
    await sleep(options.durationSeconds * 1000);
    const endPlateau = plateau();
    const end = await probe.read();
    const growth = end.rss / start.rss - 1;
    console.log(`  end, under load, after a full GC: ${describe(end)} (${(growth * 100).toFixed(1)}% RSS; median RSS without forcing GC: ${mib(endPlateau)})`);
    const connectedAtEnd = population.size;

    const isLeft = await population.stop();
    if (!isLeft) failures.push(`users still leaving after ${LEAVE_WAIT_MS} ms`);
    let stats = await sample.stats();
    for (let i = 0; i < 50 && (stats.connections > 0 || stats.rooms > 0); i++) {
      await sleep(200);
      stats = await sample.stats();
    }
    const idleAtEnd = await probe.read();
    await probe.detach();
    const isGraceful = await sample.stop();

    if (!isGraceful) failures.push('the sample did not shut down gracefully on SIGTERM');
    if (connectedAtEnd < options.connections) failures.push(`only ${connectedAtEnd} of ${options.connections} connections were held at the end`);
    if (stats.connections !== 0 || stats.rooms !== 0) failures.push(`after every client left, /stats still reports ${stats.connections} connections and ${stats.rooms} rooms`);
    if (!(growth <= options.rssTolerance)) failures.push(`RSS after GC under load grew ${(growth * 100).toFixed(1)}% (${mib(start.rss)} → ${mib(end.rss)}), over ${(options.rssTolerance * 100).toFixed(0)}%`);
    if (ledger.violationCount > 0) failures.push(`${ledger.violationCount} delivery violations: ${JSON.stringify(ledger.violations)}`);
    if (ledger.counts.echoesAcked === 0 || ledger.counts.broadcastDeliveriesChecked === 0) failures.push('nothing was checked: no echo acknowledged or no broadcast delivery due');

    const summary = {
      options,
      seconds: Math.round((Date.now() - started) / 1000),
      counts: ledger.counts,
      violations: ledger.violations,
      examples: ledger.examples,
      memoryMiB: {
        idleAtStartRss: idleAtStart / MiB,
        afterGcUnderLoad: { start: inMiB(start), end: inMiB(end), rssGrowth: growth },
        medianRssWithoutForcedGc: { start: startPlateau / MiB, end: endPlateau / MiB },
        idleAtEndAfterGc: inMiB(idleAtEnd),
      },
      statsAfterLeaving: stats,
      failures,
    };
    mkdirSync(dirname(join(ROOT, options.summaryPath)), { recursive: true });
    writeFileSync(join(ROOT, options.summaryPath), JSON.stringify(summary, null, 2) + '\n');
    const { counts } = ledger;
    console.log(
      `  ${counts.connected} connections opened, ${counts.closedCleanly} closed cleanly; ${counts.echoesAcked} of ${counts.echoesSent} echoes acknowledged in order; ` +
        `${counts.broadcastsAcked} broadcasts acknowledged, ${counts.roomMessagesReceived} room messages received, ${counts.broadcastDeliveriesChecked} due deliveries checked`,
    );
    console.log(`  server: RSS ${mib(idleAtStart)} idle at start; under load after GC ${mib(start.rss)} → ${mib(end.rss)}; idle at the end after GC: ${describe(idleAtEnd)}`);
    for (const example of ledger.examples) console.log(`  violation: ${example}`);
    for (const failure of failures) console.log(`  FAILED: ${failure}`);
    console.log(`soak: ${failures.length === 0 ? 'passed' : 'failed'} (summary in ${options.summaryPath})`);
    if (failures.length > 0) process.exitCode = 1;
  } finally {
    clearInterval(sampler);
    clearInterval(progress);
    await probe?.detach();
    if (!sample.hasExited) await sample.stop();
  }
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  // A client that never finished leaving must not keep the run alive.
  .finally(() => process.exit());
