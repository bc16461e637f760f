import { Controller, Get } from '@nestjs/common';
import { ConnectionRegistry, Rooms } from '../../../lib';
import { workerCount } from '../workers';

/** `GET /stats`: connection and room counts from the ConnectionRegistry (cluster-wide with REDIS_URL or WORKERS): `connections` is this process's, `total` every node's. */
@Controller('stats')
export class StatsController {
  constructor(
    private readonly registry: ConnectionRegistry,
    private readonly rooms: Rooms,
  ) {}

  @Get()
  async stats() {
    return {
      workers: workerCount(),
      connections: this.registry.count,
      byGateway: this.registry.countsByGateway(),
      rooms: (await this.rooms.all()).length,
      total: await this.registry.countAll(),
      nodes: await this.registry.nodes(),
      adapter: this.registry.adapterStats(),
    };
  }
}
