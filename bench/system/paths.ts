import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repository root: the nearest folder above this compiled file that holds package.json. */
function findRepoRoot(from: string): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${from}`);
    dir = parent;
  }
  return dir;
}

export const REPO_ROOT = findRepoRoot(__dirname);
export const BENCH_DIR = join(REPO_ROOT, 'bench');
/** The load generator binary and the compiled suite (bench/.build/dist), apart from the shared dist/. */
export const BUILD_DIR = join(BENCH_DIR, '.build');
export const RESULTS_DIR = join(BENCH_DIR, 'results');
export const LOG_DIR = join(RESULTS_DIR, 'logs');
export const PROFILE_DIR = join(RESULTS_DIR, 'profiles');
/** Compiled peer servers, beside this folder. */
export const PEERS_DIST_DIR = join(__dirname, '..', 'peers');
/** The sample app that the "ours" peer serves, compiled with the suite (npm run bench:build). */
export const SAMPLE_DIST_ENTRY = join(__dirname, '..', '..', 'sample', 'src', 'create-app.js');
