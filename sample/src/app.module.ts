import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import cluster from 'node:cluster';
import { IpcAdapter, NatsAdapter, RedisAdapter, WebSocketMetricsModule, WebSocketModule } from '../../lib';
import { AsyncApiController } from './asyncapi/asyncapi.controller';
import { BenchGateway } from './bench/bench.gateway';
import { CHAT_HISTORY } from './chat/chat-room';
import { ChatGateway } from './chat/chat.gateway';
import { DashboardController } from './dashboard/dashboard.controller';
import { DashboardGateway } from './dashboard/dashboard.gateway';
import { TimingInterceptor } from './chat/timing.interceptor';
import { EchoGateway } from './echo/echo.gateway';
import { HealthController } from './health/health.controller';
import { PageController } from './page/page.controller';
import { PrivateGateway } from './private/private.gateway';
import { TokenGuard } from './private/token.guard';
import { RoomsController } from './rooms/rooms.controller';
import { redisConnectionFromEnv } from './redis-connection';
import { StatsController } from './stats/stats.controller';

@Module({
  // With REDIS_URL, REDIS_CLUSTER_URLS or REDIS_SENTINELS set, rooms and presence span every instance sharing that
  // Redis; else with WORKERS=N, every worker of this machine through the primary (docs/scaling.md).
  imports: [
    WebSocketModule.forRootAsync({
      // The chat's rooms keep history (in memory, in Redis Streams, or on the cluster's primary with WORKERS=N),
      // and /chat clients resume after a drop, on any worker.
      // NATS_URL (comma-separated servers): rooms across instances through NATS; with a Redis too (REDIS_URL,
      // REDIS_CLUSTER_URLS or REDIS_SENTINELS), presence and history in that Redis (/chat resumes on any
      // instance), else presence asked of the instances and no history.
      useFactory: () => {
        const redis = redisConnectionFromEnv(process.env);
        return {
          adapter: process.env.NATS_URL
            ? new NatsAdapter({ servers: process.env.NATS_URL.split(','), subjectPrefix: 'sample', redis: redis && { ...redis, keyPrefix: 'sample:' } })
            : redis
              ? new RedisAdapter({ ...redis, keyPrefix: 'sample:' })
              : cluster.isWorker
                ? new IpcAdapter()
                : undefined,
          history: process.env.NATS_URL && !redis ? undefined : CHAT_HISTORY,
        };
      },
    }),
    // GET /metrics: the WebSocketStats in Prometheus text, beside anything else in prom-client's default registry.
    WebSocketMetricsModule.forRoot({ path: 'metrics' }),
    TerminusModule,
  ],
  controllers: [PageController, RoomsController, StatsController, DashboardController, HealthController, AsyncApiController],
  providers: [EchoGateway, ChatGateway, BenchGateway, PrivateGateway, TokenGuard, TimingInterceptor, DashboardGateway],
})
export class AppModule {}
