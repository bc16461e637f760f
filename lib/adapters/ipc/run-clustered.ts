import { Logger } from '@nestjs/common';
import cluster from 'node:cluster';
import { IpcHub, IpcHubOptions } from './ipc-hub';

export interface ClusterOptions extends IpcHubOptions {
  /** Worker processes to fork, e.g. `os.availableParallelism()`. */
  workers: number;
}

/**
 * Runs `bootstrap` in `workers` cluster workers sharing the listening port, with the primary as
 * the IpcHub of their IpcAdapters; in a worker, it only runs `bootstrap`. A worker that dies is
 * not replaced: its connections leave their rooms, and the others keep serving.
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
  cluster.on('exit', (worker, code, signal) => logger.warn(`worker ${worker.process.pid} exited (code ${code}, signal ${signal})`));
  for (let index = 0; index < options.workers; index++) cluster.fork();
}
