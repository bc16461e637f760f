import { depthFor, echoTiming } from '../../../bench/scenarios/echo-throughput';

const MiB = 1024 * 1024;
const SUITE = { warmupMs: 500, durationMs: 1_000 };

describe('the timing of an echo cell', () => {
  it('keeps the suite\'s warm-up and window where the bytes in flight come back quickly', () => {
    for (const [connections, payloadBytes] of [[1, 32], [1_000, 4096], [10, 65_536], [10, MiB]]) {
      expect(echoTiming({ connections, payloadBytes, ...SUITE }, depthFor(connections, payloadBytes))).toEqual(SUITE);
    }
  });

  it('stretches them for 500 connections × 1 MiB: the warm-up spans one round of 500 MiB at 128 MiB/s, the window two', () => {
    const depth = depthFor(500, MiB);

    const timing = echoTiming({ connections: 500, payloadBytes: MiB, ...SUITE }, depth);

    expect(depth).toBe(1);
    expect(timing.warmupMs).toBeGreaterThanOrEqual((500 / 128) * 1000);
    expect(timing.durationMs).toBeGreaterThanOrEqual(2 * timing.warmupMs);
  });
});
