// runClustered refuses options it cannot honour before it forks anything.
import cluster from 'node:cluster';
import { runClustered } from '../../../../lib';

describe('runClustered options', () => {
  const bootstrap = async (): Promise<void> => undefined;

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('refuses restartWindowMs %p with a RangeError, forking nothing', async (restartWindowMs) => {
    const fork = jest.spyOn(cluster, 'fork').mockImplementation(() => {
      throw new Error('forked a worker');
    });
    try {
      await expect(runClustered(bootstrap, { workers: 1, restartWindowMs })).rejects.toThrow(
        new RangeError(`restartWindowMs must be a positive integer, got ${restartWindowMs}`),
      );
      expect(fork).not.toHaveBeenCalled();
    } finally {
      fork.mockRestore();
    }
  });

  it.each([0, 1.5])('refuses workers %p with a RangeError', async (workers) => {
    await expect(runClustered(bootstrap, { workers })).rejects.toThrow(new RangeError(`workers must be a positive integer, got ${workers}`));
  });
});
