/**
 * Runs `task` for every item even when some throw, then throws their errors together: one
 * member's failing presence event (a codec that refuses its metadata) never keeps the others'.
 */
export function runEach<T>(items: Iterable<T>, task: (item: T) => void, what: string): void {
  let failures: unknown[] | undefined;
  for (const item of items) {
    try {
      task(item);
    } catch (error) {
      (failures ??= []).push(error);
    }
  }
  if (failures) throw new AggregateError(failures, `${what}: ${failures.length} failed`);
}
