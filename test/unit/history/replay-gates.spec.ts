import { ReplayGate } from '../../../lib/history/replay-gates';

const frame = (text: string): Buffer => Buffer.from(text);

describe('ReplayGate', () => {
  it('holds live frames during the replay and lets through, in order, only those newer than the replay', () => {
    const gate = new ReplayGate();
    expect(gate.admit('a', 5, frame('a5'))).toBe(false);
    expect(gate.admit('a', 6, frame('a6'))).toBe(false);
    expect(gate.admit('b', 1, frame('b1'))).toBe(false);
    gate.raiseFloor('a', 5);
    expect(gate.open().map(String)).toEqual(['a6', 'b1']);
  });

  it('drops a late frame at or below the replayed offset after the replay, and admits newer ones', () => {
    const gate = new ReplayGate();
    gate.raiseFloor('a', 10);
    gate.open();
    expect(gate.admit('a', 9, frame('a9'))).toBe(false);
    expect(gate.admit('a', 11, frame('a11'))).toBe(true);
  });
});
