import { RestartBudget } from '../../../../lib/adapters/ipc/restart-budget';

describe('RestartBudget', () => {
  it('gives at most maxRestarts within any window, and one more as each leaves the window', () => {
    const clock = { now: 0 };
    const budget = new RestartBudget(2, 60_000, () => clock.now);

    const taken = [budget.take(), budget.take(), budget.take()];
    clock.now = 59_999;
    const stillFull = budget.take();
    clock.now = 60_000;
    const freed = [budget.take(), budget.take(), budget.take()];

    expect({ taken, stillFull, freed }).toEqual({ taken: [true, true, false], stillFull: false, freed: [true, true, false] });
  });

  it('never gives a restart with a budget of 0', () => {
    const budget = new RestartBudget(0, 60_000);
    expect({ taken: budget.take(), waitMs: budget.waitMs() }).toEqual({ taken: false, waitMs: Infinity });
  });

  it('tells how long until the next restart: 0 with one left, else until the oldest counted leaves the window', () => {
    const clock = { now: 0 };
    const budget = new RestartBudget(2, 60_000, () => clock.now);
    const waits = [budget.waitMs()];
    budget.take();
    clock.now = 10_000;
    budget.take();
    clock.now = 20_000;
    waits.push(budget.waitMs());
    clock.now = 60_000;
    waits.push(budget.waitMs());
    budget.take();
    waits.push(budget.waitMs());

    expect(waits).toEqual([0, 40_000, 0, 10_000]);
  });
});
