import { Controller, Get } from '@nestjs/common';
import { ConnectionRegistry, Rooms } from '../../../lib';

/** `GET /stats`: connection and room counts from the ConnectionRegistry (cluster-wide with REDIS_URL). */
@Controller('stats')
export class StatsController {
  constructor(
    private readonly registry: ConnectionRegistry,
    private readonly rooms: Rooms,
  ) {}

  @Get()
  async stats() {
    return {
      connections: this.registry.count,
      byGateway: this.registry.countsByGateway(),
      rooms: (await this.rooms.all()).length,
      total: await this.registry.countAll(),
      nodes: await this.registry.nodes(),
      adapter: this.registry.adapterStats(),
    };
  }
}
