// runClustered's primary when workers die at start (a bad deploy, a port taken): it never forks in
// a loop, yet a worker it could not restart at once is restarted once the budget allows, and a
// primary left with no worker exits with a failure code, so a supervisor sees it.
import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { waitUntil } from '../../helpers/ws-test-client';

jest.setTimeout(60_000);

const ROOT = join(__dirname, '..', '..', '..');
const REGISTER = join(ROOT, 'test', 'helpers', 'swc-register.cjs');
const MAIN = join(ROOT, 'test', 'fixtures', 'cluster', 'crashing-workers.main.ts');
/**
 * The restart budget's window in the deferred-restart case: the same rule as the default minute, waited
 * out in seconds. It only has to outlast the gap between two workers booting side by side.
 */
const RESTART_WINDOW_MS = 5_000;
/** A hang guard for each logged step, not a performance bound. */
const STEP_WAIT_MS = 45_000;

interface Primary {
  child: ChildProcess;
  output(): string;
}

const running: Primary[] = [];

function startPrimary(env: Record<string, string>): Primary {
  const child = spawn(process.execPath, ['-r', REGISTER, MAIN], { cwd: ROOT, env: { ...process.env, ...env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const onData = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const primary = { child, output: () => output };
  running.push(primary);
  return primary;
}

afterEach(async () => {
  for (const { child } of running.splice(0)) {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) continue;
    const exited = once(child, 'exit');
    process.kill(child.pid, 'SIGTERM'); // its workers exit as their channel closes
    await exited;
  }
});

describe('runClustered with workers that die at start', () => {
  it('exits with code 1, logged, once no worker is left and none may be restarted', async () => {
    const primary = startPrimary({ CRASH: 'all', WORKERS: '2', MAX_RESTARTS: '1' });

    const [code] = (await once(primary.child, 'exit')) as [number | null];

    expect(primary.output()).toMatch(/restarted as worker/);
    expect(primary.output()).toMatch(/no worker left: the primary exits with code 1/);
    expect(code).toBe(1);
  });

  it('restarts a worker it could not restart at once when the budget allows, while the others serve', async () => {
    // Worker 1 stays up; 2 and 3 die at boot, side by side: the first of them is restarted as 4 at
    // once; the second finds the budget (1) spent and is restarted, as 5, when the first restart
    // leaves the window.
    const primary = startPrimary({ CRASH: 'until:3', WORKERS: '3', MAX_RESTARTS: '1', RESTART_WINDOW_MS: String(RESTART_WINDOW_MS) });

    await waitUntil(
      () => /1 restart\(s\) in the last 5 s already: restarting it in [1-5] s/.test(primary.output()),
      () => `no deferred restart logged (did worker 3 die more than the window after worker 2?):\n${primary.output()}`,
      STEP_WAIT_MS,
    );
    await waitUntil(
      () => primary.output().includes('worker 5 up'),
      () => `the worker was not restarted once the budget allowed:\n${primary.output()}`,
      STEP_WAIT_MS,
    );
    expect(primary.output()).toContain('worker 1 up');
    expect(primary.output()).toContain('worker 4 up');
    expect(primary.output().match(/restarted as worker/g)).toHaveLength(2); // 4 at once, 5 once the window allowed
    expect(primary.child.exitCode).toBeNull();
  });
});
