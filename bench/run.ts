// `npm run bench`: every peer on its own loopback port, the C load generator, interleaved
// repeats, and bench/results/latest.{md,json,svg}. See bench/README.md.
import { existsSync } from 'node:fs';
import { parseCli } from './cli-options';
import { buildLoadgen } from './loadgen/build-loadgen';
import { runProfile } from './profile/profile-run';
import { RunInfo } from './report/run-info';
import { writeReports } from './report/write-reports';
import { createSuiteContext } from './suite-context';
import { FULL, planSuite, QUICK } from './suite-plan';
import { runSuite } from './suite-runner';
import { killAll, killChildrenOnExit } from './system/child-processes';
import { choosePinning } from './system/cpu-pinning';
import { hardFdLimit } from './system/fd-limit';
import { machineInfo } from './system/machine-info';
import { SAMPLE_DIST_ENTRY } from './system/paths';

/** --only: an exact scenario id, or else any id containing the part. */
function matches(id: string, part: string, all: { id: string }[]): boolean {
  return all.some((s) => s.id === part) ? id === part : id.includes(part);
}

async function main(): Promise<void> {
  const cli = parseCli(process.argv.slice(2));
  killChildrenOnExit();
  if (!existsSync(SAMPLE_DIST_ENTRY)) throw new Error(`${SAMPLE_DIST_ENTRY} is missing: run npm run bench:build first (npm run bench does)`);
  const loadgen = buildLoadgen();
  const pinning = await choosePinning(cli.pin);
  if (cli.isProfile) return runProfile(loadgen, pinning, cli.only);

  const settings = cli.isQuick ? QUICK : FULL;
  const repeats = cli.repeats ?? settings.repeats;
  const fdLimit = hardFdLimit();
  const planned = planSuite(settings, fdLimit);
  const scenarios = cli.only.length > 0 ? planned.scenarios.filter((s) => cli.only.some((part) => matches(s.id, part, planned.scenarios))) : planned.scenarios;
  const startedAt = new Date().toISOString();
  console.error(`bench: ${scenarios.length} scenarios × targets × ${repeats} repeat(s), ${settings.name}; ${pinning.description}; fd hard limit ${fdLimit}`);
  for (const { id, reason } of planned.skipped) console.error(`bench: skipping ${id}: ${reason}`);

  const context = createSuiteContext(loadgen, pinning);
  try {
    const results = await runSuite(scenarios, (scenario) => cli.repeats ?? scenario.repeats ?? repeats, context);
    const info: RunInfo = {
      command: ['npm run bench', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' '),
      plan: settings.name,
      repeats,
      warmupMs: settings.warmupMs,
      durationMs: settings.durationMs,
      pinning: pinning.description,
      fdLimit,
      machine: machineInfo(),
      startedAt,
      finishedAt: new Date().toISOString(),
      skipped: planned.skipped,
    };
    console.log(writeReports(info, results));
    console.error('bench: wrote bench/results/latest.md, latest.json, latest.svg');
  } finally {
    await context.stopAll();
    killAll();
  }
}

main().catch((error: unknown) => {
  console.error(`bench: ${(error as Error).stack ?? String(error)}`);
  killAll();
  process.exit(1);
});
