// Runs one step of the tutorial run (npx, npm, node) and fails loudly: a step that exits non-zero
// throws with the command, its directory and the tail of what it printed.
import { spawnSync } from 'node:child_process';

/** A failed install prints its cause in the last lines; the first ones are progress and warnings. */
const TAIL_LINES = 60;
/** One step (an `npm install` on a cold cache is the longest) gets this long before it counts as hung. */
const STEP_TIMEOUT_MS = 300_000;

export interface StepOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
}

const tail = (text: string): string => text.split('\n').slice(-TAIL_LINES).join('\n');

/** Runs `command args…` to the end and returns its stdout; throws when it fails, times out or cannot start. */
export function runStep(command: string, args: readonly string[], { cwd, env = process.env }: StepOptions): string {
  const shown = `${command} ${args.join(' ')}  (in ${cwd})`;
  console.log(`$ ${shown}`);
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: STEP_TIMEOUT_MS, maxBuffer: 64 << 20 });
  if (result.error) throw new Error(`${shown} could not run: ${result.error.message}`);
  if (result.status !== 0) {
    throw new Error(`${shown} exited with ${result.status ?? result.signal}:\n${tail(`${result.stdout}\n${result.stderr}`)}`);
  }
  return result.stdout;
}
