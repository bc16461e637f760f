import { ChildProcess } from 'node:child_process';

/** Every child the suite starts, so that each is killed by its PID at the end and on SIGINT. */
const children = new Set<ChildProcess>();

export function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

export function killAll(): void {
  for (const child of children) {
    if (child.pid !== undefined && child.exitCode === null) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  children.clear();
}

/** SIGINT/SIGTERM and any exit of the driver take every child down with it. */
export function killChildrenOnExit(): void {
  process.once('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killAll();
      process.stderr.write(`\nbench: ${signal}, every child process killed\n`);
      process.exit(130);
    });
  }
}
