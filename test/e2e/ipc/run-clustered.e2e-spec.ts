// runClustered's primary when workers die at start (a bad deploy, a port taken): it never forks in
// a loop, yet a worker it could not restart at once is restarted once the budget allows, and a
// primary left with no worker exits with a failure code, so a supervisor sees it.
import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { waitUntil } from '../../helpers/ws-test-client';

jest.setTimeout(120_000);

const ROOT = join(__dirname, '..', '..', '..');
const REGISTER = join(ROOT, 'test', 'helpers', 'swc-register.cjs');
const MAIN = join(ROOT, 'test', 'fixtures', 'cluster', 'crashing-workers.main.ts');
/** The restart budget's window (a minute) and some. */
const RESTART_WAIT_MS = 90_000;

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
    // Worker 1 stays up; 2 dies and is restarted as 3 at once; 3 dies with the budget (1) spent: it
    // is restarted, as 4, when the first restart leaves the minute's window.
    const primary = startPrimary({ CRASH: 'until:3', WORKERS: '2', MAX_RESTARTS: '1' });

    await waitUntil(
      () => /restarting it in \d+ s/.test(primary.output()),
      () => `no deferred restart logged:\n${primary.output()}`,
      RESTART_WAIT_MS,
    );
    await waitUntil(
      () => primary.output().includes('worker 4 up'),
      () => `the worker was not restarted once the budget allowed:\n${primary.output()}`,
      RESTART_WAIT_MS,
    );
    expect(primary.output()).toContain('worker 1 up');
    expect(primary.child.exitCode).toBeNull();
  });
});
