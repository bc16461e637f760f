import { ConnectedSocket, Gateway, MessageBody, OnMessage, Rooms, WsConnection, WsException } from '../../../lib';

/** `ws /bench`: the benchmark contract of DESIGN.md (echo, join, broadcast). */
@Gateway({ path: '/bench', maxMessageBytes: 1 << 20 })
export class BenchGateway {
  constructor(private readonly rooms: Rooms) {}

  @OnMessage('echo')
  echo(@MessageBody() data: unknown): unknown {
    return data;
  }

  @OnMessage('join')
  async join(@MessageBody() room: unknown, @ConnectedSocket() client: WsConnection): Promise<string> {
    if (typeof room !== 'string' || room === '') throw new WsException('BAD_REQUEST', 'join takes a room name');
    await this.rooms.join(client, room);
    return room;
  }

  @OnMessage('broadcast')
  async broadcast(@MessageBody() body: { room?: unknown; payload?: unknown } | undefined): Promise<void> {
    if (typeof body?.room !== 'string') throw new WsException('BAD_REQUEST', 'broadcast takes {room, payload}');
    await this.rooms.to(body.room).send('msg', body.payload);
  }
}
