// The sample app (sample/src/main.ts through swc-register) as a child process on a free loopback
// port, with an environment of the test's choosing: REDIS_URL for instances sharing a Redis,
// WORKERS=N for one cluster. Resolves once every process of it logged that it listens.
import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { freeLoopbackPort } from './free-port';

const ROOT = join(__dirname, '..', '..');
const REGISTER = join(ROOT, 'test', 'helpers', 'swc-register.cjs');
const MAIN = join(ROOT, 'sample', 'src', 'main.ts');
/**
 * A hang guard: a fresh process compiles the sample and the library first (each of WORKERS=2's three
 * processes does), which took over 20 s beside another Jest worker on a busy machine (load 15).
 */
const START_WAIT_MS = 60_000;
const STOP_WAIT_MS = 5000;
const STATS_WAIT_MS = 5000;

export interface SampleInstance {
  name: string;
  port: number;
  child: ChildProcess;
  output: () => string;
}

export interface SampleStats {
  workers: number;
  connections: number;
  total: number;
  rooms: number;
  nodes: { id: string; connections: number; isSelf: boolean }[];
}


const count = (text: string, part: string): number => text.split(part).length - 1;

/** Spawns `node -r swc-register.cjs sample/src/main.ts` and resolves once `processes` of it (WORKERS) log that they listen. */
export async function startSample(name: string, env: Record<string, string>, processes = 1): Promise<SampleInstance> {
  const port = await freeLoopbackPort();
  const child = spawn(process.execPath, ['-r', REGISTER, MAIN], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port), NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const instance: SampleInstance = { name, port, child, output: () => output };
  const listening = `listening on ${env.HTTP2 === '1' ? 'https' : 'http'}://localhost:${port}`;
  await new Promise<void>((resolve, reject) => {
    const finish = (error?: Error): void => {
      clearTimeout(timer);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve();
    };
    const onData = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      if (count(output, listening) === processes) finish();
    };
    const onExit = (code: number | null, signal: string | null): void => finish(new Error(`instance ${name} exited (code ${code}, signal ${signal}) before listening:\n${output}`));
    const timer = setTimeout(() => finish(new Error(`instance ${name} did not listen on ${port} within ${START_WAIT_MS} ms:\n${output}`)), START_WAIT_MS);
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', onExit);
  }).catch(async (error: unknown) => {
    await stopSample(instance);
    throw error;
  });
  return instance;
}

/** SIGKILL by PID, then waits (bounded) for the exit; cluster workers exit as their channel to it closes. */
export async function stopSample(instance: SampleInstance | undefined): Promise<void> {
  const child = instance?.child;
  if (!child || child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  process.kill(child.pid, 'SIGKILL');
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, STOP_WAIT_MS)))]);
  clearTimeout(timer);
}

export const httpUrl = (instance: SampleInstance, path: string): string => `http://127.0.0.1:${instance.port}${path}`;
export const wsUrl = (instance: SampleInstance, path: string): string => `ws://127.0.0.1:${instance.port}${path}`;

export async function getStats(instance: SampleInstance): Promise<SampleStats> {
  const response = await fetch(httpUrl(instance, '/stats'), { signal: AbortSignal.timeout(STATS_WAIT_MS) });
  if (response.status !== 200) throw new Error(`GET /stats answered ${response.status}`);
  return (await response.json()) as SampleStats;
}
