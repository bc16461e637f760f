import { Controller, Get } from '@nestjs/common';
import { ConnectionRegistry, Rooms } from '../../../lib';

@Controller('stats')
export class StatsController {
  constructor(
    private readonly registry: ConnectionRegistry,
    private readonly rooms: Rooms,
  ) {}

  @Get()
  async stats(): Promise<{ connections: number; byGateway: Record<string, number>; rooms: number }> {
    return { connections: this.registry.count, byGateway: this.registry.countsByGateway(), rooms: (await this.rooms.all()).length };
  }
}
