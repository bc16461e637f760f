// Runs the coverage-guided fuzz targets with jsfuzz, each for a bounded time, one after another or
// `--jobs N` at once (a target's fuzzer and its worker take turns, so one target keeps one core busy).
//
//   npm run fuzz                                  every target, 300 s each (FUZZ_SECONDS overrides)
//   npm run fuzz -- --seconds 20 --jobs 2         the short run CI makes, one target per core
//   npm run fuzz -- --target handshake --seconds 3600
//   npm run fuzz -- --write-seeds                 rewrites the committed seeds from seeds.ts
//
// jsfuzz instruments the compiled targets (and the lib/ files they load) with istanbul and keeps
// an input when it covers new statements or branches. Inputs it finds go to .tmp/fuzz/corpus/
// (kept between runs); the committed seeds in test/fuzz/corpus/ are read, never written. A crash
// (an exception other than what the API promises, or a broken invariant) stops that target, is
// saved under .tmp/fuzz/crashes/, and makes the run fail: copy it into test/fuzz/corpus/<target>/
// and the security project replays it from then on (test/security/fuzz-corpus.spec.ts).
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { SEEDS } from './seeds';
import { FUZZ_TARGETS, FuzzTargetName } from './targets';

const ROOT = process.cwd();
const WORK = join(ROOT, '.tmp', 'fuzz');
const STOP_GRACE_MS = 15_000;

interface TargetResult {
  target: FuzzTargetName;
  seconds: number;
  executions: number;
  coverage: number;
  corpus: number;
  crash?: { artifact: string; log: string };
}

interface FuzzOptions {
  seconds: number;
  targets: FuzzTargetName[];
  /** Targets fuzzed at once. */
  jobs: number;
  writeSeeds: boolean;
}

function parseArgs(argv: readonly string[]): FuzzOptions {
  let seconds = Number(process.env.FUZZ_SECONDS ?? 300);
  let jobs = 1;
  const targets: FuzzTargetName[] = [];
  let writeSeeds = false;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    const value = (): string => inline ?? argv[++i];
    if (flag === '--seconds') seconds = Number(value());
    else if (flag === '--target') targets.push(value() as FuzzTargetName);
    else if (flag === '--jobs') jobs = Number(value());
    else if (flag === '--write-seeds') writeSeeds = true;
    else throw new Error(`unknown argument ${argv[i]} (use --seconds N, --target NAME, --jobs N, --write-seeds)`);
  }
  if (!(seconds > 0)) throw new Error('--seconds must be a positive number');
  if (!Number.isInteger(jobs) || jobs < 1) throw new Error('--jobs must be a positive integer');
  for (const target of targets) if (!FUZZ_TARGETS.includes(target)) throw new Error(`unknown target ${target}; targets: ${FUZZ_TARGETS.join(', ')}`);
  return { seconds, targets: targets.length > 0 ? targets : [...FUZZ_TARGETS], jobs, writeSeeds };
}

function writeSeeds(): void {
  for (const target of FUZZ_TARGETS) {
    const dir = join(ROOT, 'test', 'fuzz', 'corpus', target);
    mkdirSync(dir, { recursive: true });
    for (const [name, bytes] of Object.entries(SEEDS[target])) writeFileSync(join(dir, `seed-${name}`), bytes);
    console.log(`${target}: ${Object.keys(SEEDS[target]).length} seeds in ${relative(ROOT, dir)}`);
  }
}

/** One target under jsfuzz for `seconds`, then SIGINT to its process group (the fuzzer and its worker). */
async function fuzzTarget(target: FuzzTargetName, seconds: number): Promise<TargetResult> {
  const workDir = join(WORK, 'work', target);
  const corpusDir = join(WORK, 'corpus', target);
  const seedDir = join(ROOT, 'test', 'fuzz', 'corpus', target);
  const artifact = join(WORK, 'crashes', `${target}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  const logPath = join(WORK, 'logs', `${target}.log`);
  for (const dir of [workDir, corpusDir, join(WORK, 'crashes'), join(WORK, 'logs')]) mkdirSync(dir, { recursive: true });
  const targetJs = join(__dirname, 'targets', `${target}.fuzz.js`);
  const cli = require.resolve('jsfuzz/build/src/index.js');
  // jsfuzz joins the target path to its working directory: it must be relative. Its versifier
  // (text-structure mutations) grew to 1.3 GB and 40 executions/s on a 10 KB handshake corpus: off.
  const args = [cli, relative(workDir, targetJs), corpusDir, seedDir, `--exact-artifact-path=${artifact}`, '--timeout=10', '--rss-limit-mb=2048', '--no-versifier'];
  const child = spawn(process.execPath, args, { cwd: workDir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = createWriteStream(logPath);
  let lastStats = '';
  let output = '';
  const onOutput = (chunk: Buffer): void => {
    log.write(chunk);
    output = (output + chunk.toString()).slice(-20_000);
    const lines = chunk.toString().split('\n').filter((line) => /^#\d+ /.test(line));
    if (lines.length > 0) lastStats = lines[lines.length - 1];
  };
  child.stdout.on('data', onOutput);
  child.stderr.on('data', onOutput);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const pid = child.pid as number;
  const stopTimer = setTimeout(() => signalGroup(pid, 'SIGINT'), seconds * 1000);
  const killTimer = setTimeout(() => signalGroup(pid, 'SIGKILL'), seconds * 1000 + STOP_GRACE_MS);
  const code = await exited;
  clearTimeout(stopTimer);
  clearTimeout(killTimer);
  signalGroup(pid, 'SIGKILL'); // a worker left behind, if any
  log.end();

  const [, executions = '0', coverage = '0', corpus = '0'] = /^#(\d+) \S+\s+cov: (\d+) corp: (\d+)/.exec(lastStats) ?? [];
  const result: TargetResult = { target, seconds, executions: Number(executions), coverage: Number(coverage), corpus: Number(corpus) };
  const crashed = existsSync(artifact) || code !== 0 || /^crash was written/m.test(output);
  if (crashed) result.crash = { artifact: existsSync(artifact) ? relative(ROOT, artifact) : '(none written)', log: relative(ROOT, logPath) };
  return result;
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is gone
  }
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  if (options.writeSeeds) return writeSeeds();
  const results = new Map<FuzzTargetName, TargetResult>();
  const waiting = [...options.targets];
  const fuzzWaitingTargets = async (): Promise<void> => {
    for (let target = waiting.shift(); target !== undefined; target = waiting.shift()) {
      console.log(`fuzzing ${target} for ${options.seconds} s …`);
      const result = await fuzzTarget(target, options.seconds);
      results.set(target, result);
      console.log(
        `  ${target}: ${result.executions.toLocaleString('en')} executions, coverage ${result.coverage}, corpus ${result.corpus}` +
          (result.crash ? `; CRASH saved to ${result.crash.artifact} (log: ${result.crash.log})` : ''),
      );
      if (result.crash) console.log(readFileSync(join(ROOT, result.crash.log), 'utf8').split('\n').slice(-40).join('\n'));
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.jobs, waiting.length) }, fuzzWaitingTargets));
  writeFileSync(join(WORK, 'summary.json'), JSON.stringify([...results.values()], null, 2) + '\n');
  const failed = [...results.values()].filter((result) => result.crash || result.executions === 0);
  console.log(`fuzz: ${results.size - failed.length} passed, ${failed.length} failed`);
  if (failed.length > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
