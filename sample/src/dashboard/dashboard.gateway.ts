import { Logger, OnModuleDestroy } from '@nestjs/common';
import { ConnectionRegistry, Gateway, OnGatewayConnection, OnGatewayDisconnect, OnMessage, WebSocketStats, WebSocketStatsSnapshot, WsConnection } from '../../../lib';

/** How often every open dashboard gets a fresh snapshot. */
export const DASHBOARD_INTERVAL_MS = 1000;

/**
 * `ws /dashboard-feed`: pushes `{"event":"stats","data":<WebSocketStatsSnapshot>}` on connect and
 * then every second, to the dashboards connected to this node (each node shows its own figures).
 * `snapshot` answers with one at once. The timer runs only while a dashboard is open.
 */
@Gateway({ path: '/dashboard-feed' })
export class DashboardGateway implements OnGatewayConnection, OnGatewayDisconnect, OnModuleDestroy {
  private readonly logger = new Logger('Dashboard');
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly stats: WebSocketStats,
    private readonly registry: ConnectionRegistry,
  ) {}

  async handleConnection(client: WsConnection): Promise<void> {
    client.send('stats', await this.stats.snapshot());
    this.timer ??= setInterval(() => this.push().catch((error: unknown) => this.logger.warn(`no snapshot this time: ${String(error)}`)), DASHBOARD_INTERVAL_MS).unref();
  }

  /** The registry has already dropped the closing connection: no viewer left means no timer. */
  handleDisconnect(): void {
    if (this.viewers().length === 0) this.stop();
  }

  onModuleDestroy(): void {
    this.stop();
  }

  @OnMessage('snapshot')
  snapshot(): Promise<WebSocketStatsSnapshot> {
    return this.stats.snapshot();
  }

  private async push(): Promise<void> {
    const snapshot = await this.stats.snapshot();
    for (const viewer of this.viewers()) viewer.send('stats', snapshot);
  }

  private viewers(): WsConnection[] {
    return this.registry.ofGateway(DashboardGateway.name);
  }

  private stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
