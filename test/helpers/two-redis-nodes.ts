import { DynamicModule, Module, Provider, Type } from '@nestjs/common';
import { RedisAdapter, WebSocketModule } from '../../lib';
import { startApp, StartedApp } from '../fixtures/gateways/test-app';
import { RedisServer } from './redis-server';

/** Two Nest apps in this process, each a node of one cluster on a real redis-server (no sticky sessions between them). */
export interface TwoRedisNodes {
  redis: RedisServer;
  a: StartedApp;
  b: StartedApp;
  dispose(): Promise<void>;
}

@Module({})
class NodeModule {
  static on(url: string, keyPrefix: string, providers: Array<Type | Provider>): DynamicModule {
    return {
      module: NodeModule,
      imports: [WebSocketModule.forRoot({ adapter: new RedisAdapter({ url, keyPrefix, heartbeatIntervalMs: 1000 }) })],
      providers,
    };
  }
}

/** Starts redis-server and two nodes with the same providers (gateways, services). */
export async function startTwoRedisNodes(keyPrefix: string, providers: Array<Type | Provider>): Promise<TwoRedisNodes> {
  const redis = await RedisServer.start();
  const a = await startApp(NodeModule.on(redis.url, keyPrefix, providers));
  const b = await startApp(NodeModule.on(redis.url, keyPrefix, providers));
  return {
    redis,
    a,
    b,
    dispose: async () => {
      await a.app.close();
      await b.app.close();
      await redis.dispose();
    },
  };
}

/** startTwoRedisNodes before the suite's tests, disposed after them: read its nodes inside tests. */
export function twoRedisNodesForSuite(keyPrefix: string, providers: Array<Type | Provider>): TwoRedisNodes {
  let started: TwoRedisNodes | undefined;
  const get = (): TwoRedisNodes => started ?? failNotStarted();
  beforeAll(async () => {
    started = await startTwoRedisNodes(keyPrefix, providers);
  });
  afterAll(() => started?.dispose());
  return {
    get redis() {
      return get().redis;
    },
    get a() {
      return get().a;
    },
    get b() {
      return get().b;
    },
    dispose: () => get().dispose(),
  };
}

function failNotStarted(): never {
  throw new Error('the two nodes start in beforeAll: read them inside a test');
}
