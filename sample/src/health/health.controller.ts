import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckResult, HealthCheckService } from '@nestjs/terminus';
import { WebSocketHealthIndicator } from '../../../lib';

/** `GET /health`: @nestjs/terminus with the WebSocket indicator (503 while the gateways do not serve). */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly websocket: WebSocketHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check(): Promise<HealthCheckResult> {
    return this.health.check([() => this.websocket.isHealthy('websocket')]);
  }
}
