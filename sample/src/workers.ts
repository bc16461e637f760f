/** `WORKERS=N`: the sample's cluster workers on one port (docs/scaling.md, Cluster mode); unset or 1 is one process. */
export function workerCount(): number {
  const workers = Number(process.env.WORKERS ?? 1);
  if (!Number.isInteger(workers) || workers < 1) throw new RangeError(`WORKERS must be a positive integer, got '${process.env.WORKERS}'`);
  return workers;
}
