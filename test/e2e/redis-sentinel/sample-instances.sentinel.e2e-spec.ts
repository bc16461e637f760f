// The sample app as three instances finding Redis through Sentinel (REDIS_SENTINELS + REDIS_SENTINEL_NAME):
// they behave as one: rooms, presence, HTTP pushes, /stats, resume (test/helpers/sample-redis-suite.ts).
import { RedisSentinelSet } from '../../helpers/redis-sentinel';
import { describeSampleInstances } from '../../helpers/sample-redis-suite';

jest.setTimeout(60_000);

describeSampleInstances('the sample app as three instances through Redis Sentinel (REDIS_SENTINELS)', 3, async () => {
  const sentinel = await RedisSentinelSet.start();
  return { env: { REDIS_SENTINELS: sentinel.addresses, REDIS_SENTINEL_NAME: sentinel.name }, dispose: () => sentinel.dispose() };
});
