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
    expect(new RestartBudget(0, 60_000).take()).toBe(false);
  });
});
