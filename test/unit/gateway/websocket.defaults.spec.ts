import { resolveGatewayOptions } from '../../../lib/gateway/websocket.defaults';

describe('resolveGatewayOptions: authMessage', () => {
  it.each([
    ['absent', undefined, undefined],
    ['true', true, 10_000],
    ['{} (the default)', {}, 10_000],
    ['the longest a timer keeps', { timeoutMs: 2 ** 31 - 1 }, 2 ** 31 - 1],
  ] as const)('resolves %s to a timeout of %p ms', (_name, authMessage, timeoutMs) => {
    expect(resolveGatewayOptions({}, { path: '/secure', authMessage }).authMessageTimeoutMs).toBe(timeoutMs);
  });

  // setTimeout fires a delay below 1 ms or past 2^31 - 1 ms after 1 ms: every connection would be closed before its $auth.
  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31, 3e9])('refuses timeoutMs %p at start, naming the gateway and the range', (timeoutMs) => {
    expect(() => resolveGatewayOptions({}, { path: '/secure', authMessage: { timeoutMs } })).toThrow(
      new RangeError(`@Gateway({ path: '/secure' }): authMessage.timeoutMs must be above 0 and at most 2147483647, got ${timeoutMs}`),
    );
  });
});
