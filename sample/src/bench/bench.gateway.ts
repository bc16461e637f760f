import { ConnectedSocket, Gateway, MessageBody, OnMessage, Rooms, WsConnection } from '../../../lib';

/** `ws /bench`: the benchmark contract of DESIGN.md (echo, join, broadcast). */
@Gateway({ path: '/bench', maxMessageBytes: 1 << 20 })
export class BenchGateway {
  constructor(private readonly rooms: Rooms) {}

  @OnMessage('echo')
  echo(@MessageBody() data: unknown): unknown {
    return data;
  }

  @OnMessage('join')
  async join(@MessageBody() room: string, @ConnectedSocket() client: WsConnection): Promise<string> {
    await this.rooms.join(client, String(room));
    return String(room);
  }

  @OnMessage('broadcast')
  async broadcast(@MessageBody() body: { room: string; payload: unknown }): Promise<void> {
    await this.rooms.to(String(body.room)).send('msg', body.payload);
  }
}
