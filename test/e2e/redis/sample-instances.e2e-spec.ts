// Issue 7: the sample app runs as several instances with REDIS_URL set, and the chat works across
// them: two real processes of sample/src/main.ts, one real redis-server (test/helpers/sample-redis-suite.ts).
import { RedisServer } from '../../helpers/redis-server';
import { describeSampleInstances } from '../../helpers/sample-redis-suite';

jest.setTimeout(60_000);

describeSampleInstances('the sample app as two instances sharing REDIS_URL', 2, async () => {
  const redis = await RedisServer.start();
  return { env: { REDIS_URL: redis.url }, dispose: () => redis.dispose() };
});
