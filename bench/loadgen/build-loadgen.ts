import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIR, BUILD_DIR } from '../system/paths';

const SOURCE_DIR = join(BENCH_DIR, 'loadgen');
export const LOADGEN_BINARY = join(BUILD_DIR, 'loadgen');

/** Compiles the C load generator with the machine's compiler when the binary is missing or stale. */
export function buildLoadgen(): string {
  const files = readdirSync(SOURCE_DIR).filter((name) => name.endsWith('.c') || name.endsWith('.h'));
  const newestSourceMs = Math.max(...files.map((name) => statSync(join(SOURCE_DIR, name)).mtimeMs));
  if (existsSync(LOADGEN_BINARY) && statSync(LOADGEN_BINARY).mtimeMs >= newestSourceMs) return LOADGEN_BINARY;
  mkdirSync(BUILD_DIR, { recursive: true });
  const compiler = process.env.CC ?? 'cc';
  const sources = files.filter((name) => name.endsWith('.c')).map((name) => join(SOURCE_DIR, name));
  try {
    execFileSync(compiler, ['-O2', '-Wall', '-o', LOADGEN_BINARY, ...sources], { stdio: ['ignore', 'inherit', 'inherit'] });
  } catch (error) {
    throw new Error(`could not compile the load generator in ${SOURCE_DIR} with ${compiler} (install gcc, or set CC): ${(error as Error).message}`);
  }
  return LOADGEN_BINARY;
}
