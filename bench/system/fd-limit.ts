import { execFileSync } from 'node:child_process';

/** The hard RLIMIT_NOFILE: children may raise their soft limit up to it, not past it. */
export function hardFdLimit(): number {
  const out = execFileSync('sh', ['-c', 'ulimit -H -n'], { encoding: 'utf8' }).trim();
  return out === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(out);
}

/** Runs `command` with its soft fd limit raised to the hard one (Node cannot setrlimit itself). */
export function withRaisedFdLimit(command: string, args: string[]): { command: string; args: string[] } {
  return { command: 'sh', args: ['-c', 'ulimit -S -n "$(ulimit -H -n)" 2>/dev/null; exec "$@"', 'raise-fd-limit', command, ...args] };
}
