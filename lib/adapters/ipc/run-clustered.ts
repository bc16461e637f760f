import { Logger } from '@nestjs/common';
import cluster from 'node:cluster';
import { IpcHub, IpcHubOptions } from './ipc-hub';
import { RestartBudget } from './restart-budget';

export interface ClusterOptions extends IpcHubOptions {
  /** Worker processes to fork, e.g. `os.availableParallelism()`. */
  workers: number;
  /** Workers that died and are forked again, at most this many per minute (then no more until the minute passes). Default 5; 0 never restarts. */
  maxRestartsPerMinute?: number;
}

const DEFAULT_MAX_RESTARTS_PER_MINUTE = 5;
const MINUTE_MS = 60_000;

/**
 * Runs `bootstrap` in `workers` cluster workers sharing the listening port, with the primary as
 * the IpcHub of their IpcAdapters; in a worker, it only runs `bootstrap`. A worker that dies
 * (crash, kill, exit) is forked again, at most `maxRestartsPerMinute` times a minute, each logged;
 * its connections leave their rooms, and the others keep serving meanwhile. A worker stopped
 * through `worker.disconnect()` or `kill()` from the primary is not replaced.
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
  const hub = new IpcHub(options);
  const logger = new Logger('Cluster');
  // Frames travel as Buffers: the default JSON serialization would turn each into an array of numbers.
  cluster.setupPrimary({ serialization: 'advanced' });
  cluster.on('fork', (worker) => hub.attach(worker));
  const maxRestartsPerMinute = options.maxRestartsPerMinute ?? DEFAULT_MAX_RESTARTS_PER_MINUTE;
  const restarts = new RestartBudget(maxRestartsPerMinute, MINUTE_MS);
  cluster.on('exit', (worker, code, signal) => {
    const died = `worker ${worker.process.pid} exited (code ${code}, signal ${signal})`;
    if (worker.exitedAfterDisconnect) return logger.log(`${died} after it was stopped`);
    if (!restarts.take()) return logger.error(`${died}; not restarted: ${maxRestartsPerMinute} restart(s) in the last minute already`);
    const replacement = cluster.fork();
    logger.warn(`${died}; restarted as worker ${replacement.process.pid}`);
  });
  for (let index = 0; index < options.workers; index++) cluster.fork();
}
