import { Logger } from '@nestjs/common';
import cluster from 'node:cluster';
import { IpcHub, IpcHubOptions } from './ipc-hub';
import { RestartBudget } from './restart-budget';

export interface ClusterOptions extends IpcHubOptions {
  /** Worker processes to fork, e.g. `os.availableParallelism()`. */
  workers: number;
  /** Workers that died and are forked again, at most this many per `restartWindowMs` (one dying beyond that is forked once the window allows). Default 5; 0 never restarts. */
  maxRestartsPerMinute?: number;
  /** The window `maxRestartsPerMinute` counts restarts in, in ms. Default 60,000 (a minute); a test of a crashing app can shorten it. */
  restartWindowMs?: number;
}

const DEFAULT_MAX_RESTARTS_PER_MINUTE = 5;
const DEFAULT_RESTART_WINDOW_MS = 60_000;

/**
 * Runs `bootstrap` in `workers` cluster workers sharing the listening port, with the primary as
 * the IpcHub of their IpcAdapters; in a worker, it only runs `bootstrap`. A worker that dies
 * (crash, kill, exit) is forked again, at most `maxRestartsPerMinute` times a minute (`restartWindowMs`),
 * each logged (one dying beyond that is forked once the window allows); its connections leave their rooms, and
 * the others keep serving meanwhile. When no worker is left and none may be forked at once, the
 * primary exits with code 1. A worker stopped through `worker.disconnect()` or `kill()` from the
 * primary is not replaced.
 *
 * @example
 * // main.ts
 * void runClustered(async () => {
 *   const app = await NestFactory.create(AppModule); // WebSocketModule.forRoot({ adapter: new IpcAdapter() })
 *   await app.listen(3000);
 * }, { workers: availableParallelism() });
 */
export async function runClustered(bootstrap: () => Promise<void>, options: ClusterOptions): Promise<void> {
  if (cluster.isWorker) return bootstrap();
  if (!Number.isInteger(options.workers) || options.workers < 1) throw new RangeError(`workers must be a positive integer, got ${options.workers}`);
  const restartWindowMs = options.restartWindowMs ?? DEFAULT_RESTART_WINDOW_MS;
  if (!Number.isInteger(restartWindowMs) || restartWindowMs < 1) throw new RangeError(`restartWindowMs must be a positive integer, got ${restartWindowMs}`);
  const hub = new IpcHub(options);
  const logger = new Logger('Cluster');
  // Frames travel as Buffers: the default JSON serialization would turn each into an array of numbers.
  cluster.setupPrimary({ serialization: 'advanced' });
  cluster.on('fork', (worker) => hub.attach(worker));
  const maxRestartsPerMinute = options.maxRestartsPerMinute ?? DEFAULT_MAX_RESTARTS_PER_MINUTE;
  const restarts = new RestartBudget(maxRestartsPerMinute, restartWindowMs);
  /** Restarts waiting for the budget: each replaces one worker that died when it had none left. */
  const deferred = new Set<NodeJS.Timeout>();
  const restart = (died: string): void => {
    if (restarts.take()) {
      const replacement = cluster.fork();
      return logger.warn(`${died}; restarted as worker ${replacement.process.pid}`);
    }
    const waitMs = restarts.waitMs();
    if (waitMs === Infinity) return logger.error(`${died}; not restarted (maxRestartsPerMinute is 0)`);
    // Not forked in a loop, yet not lost either: the cluster gets back to its size as the window passes.
    const timer = setTimeout(() => {
      deferred.delete(timer);
      restart(died);
    }, waitMs);
    timer.unref(); // a primary with no worker left does not stay for it (see below)
    deferred.add(timer);
    logger.error(`${died}; ${maxRestartsPerMinute} restart(s) in the last ${Math.ceil(restartWindowMs / 1000)} s already: restarting it in ${Math.ceil(waitMs / 1000)} s`);
  };
  cluster.on('exit', (worker, code, signal) => {
    const died = `worker ${worker.process.pid} exited (code ${code}, signal ${signal})`;
    if (worker.exitedAfterDisconnect) return logger.log(`${died} after it was stopped`);
    restart(died);
    // Every worker dead and none may start now (they die at start): nothing serves the port, so the
    // primary ends with a failure code for its supervisor, instead of a silent 0 or a zombie.
    if (Object.values(cluster.workers ?? {}).some((alive) => alive && !alive.isDead())) return;
    for (const timer of deferred) clearTimeout(timer);
    deferred.clear();
    logger.error('no worker left: the primary exits with code 1');
    process.exitCode = 1;
  });
  for (let index = 0; index < options.workers; index++) cluster.fork();
}
