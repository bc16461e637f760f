// The sample app as three instances on one Redis Cluster (REDIS_CLUSTER_URLS, 3 masters + 3 replicas):
// they behave as one: rooms, presence, HTTP pushes, /stats, resume (test/helpers/sample-redis-suite.ts).
import { RedisCluster } from '../../helpers/redis-cluster';
import { describeSampleInstances } from '../../helpers/sample-redis-suite';

jest.setTimeout(60_000);

describeSampleInstances('the sample app as three instances on a Redis Cluster (REDIS_CLUSTER_URLS)', 3, async () => {
  const cluster = await RedisCluster.start();
  return { env: { REDIS_CLUSTER_URLS: cluster.urls }, dispose: () => cluster.dispose() };
});
