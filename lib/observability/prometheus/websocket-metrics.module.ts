import { Controller, DynamicModule, Get, Inject, Module, Res, Type } from '@nestjs/common';
import { WebSocketStats } from '../websocket-stats';
import { WebSocketMetrics } from './websocket-metrics';
import { WebSocketMetricsOptions } from './websocket-metrics-options.interface';

/** What both Express's response and Fastify's reply offer for setting a header. */
interface HeaderSetter {
  header(name: string, value: string): unknown;
}

/**
 * Prometheus metrics of the WebSocket side (see WebSocketMetrics for the list), through the
 * optional peer dependency prom-client, loaded when this module is imported. Needs WebSocketModule.
 *
 * @example
 * ＠Module({ imports: [WebSocketModule.forRoot({}), WebSocketMetricsModule.forRoot({ path: 'metrics' })] })
 * export class AppModule {} // GET /metrics → ws_connections{gateway="ChatGateway"} 3 …
 */
@Module({})
export class WebSocketMetricsModule {
  static forRoot(options: WebSocketMetricsOptions = {}): DynamicModule {
    return {
      module: WebSocketMetricsModule,
      providers: [
        {
          provide: WebSocketMetrics,
          useFactory: (stats: WebSocketStats) => WebSocketMetrics.create(stats, options),
          inject: [WebSocketStats],
        },
      ],
      controllers: options.path === undefined ? [] : [metricsControllerFor(options.path)],
      exports: [WebSocketMetrics],
    };
  }
}

/** A controller on the path the options name: decorators take their path when the class is made. */
function metricsControllerFor(path: string): Type {
  @Controller(path)
  class WebSocketMetricsController {
    constructor(@Inject(WebSocketMetrics) private readonly metrics: WebSocketMetrics) {}

    @Get()
    async scrape(@Res({ passthrough: true }) response: HeaderSetter): Promise<string> {
      response.header('Content-Type', this.metrics.contentType);
      return this.metrics.metrics();
    }
  }
  return WebSocketMetricsController;
}
