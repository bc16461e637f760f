import { UseFilters, UseInterceptors, UsePipes, ValidationPipe } from '@nestjs/common';
import { ConnectedSocket, Gateway, MessageBody, OnGatewayDisconnect, OnMessage, Rooms, WsConnection } from '../../../lib';
import { ChatErrorFilter } from './chat-error.filter';
import { chatRoom, chatRoomOf } from './chat-room';
import { JoinDto, LeaveDto, SayDto } from './chat.dto';
import { NotAMemberError } from './not-a-member.error';
import { TimingInterceptor } from './timing.interceptor';

type ChatData = { name?: string };

/**
 * `ws /chat`: join {room,name}, leave {room}, say {room,text}; members get said, joined, left.
 * Every room keeps history, so a client that drops resumes with `$resume` and gets what it missed.
 */
@Gateway({ path: '/chat', maxMessageBytes: 64 * 1024, perMessageDeflate: true, fallback: { sse: true } })
@UsePipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true }))
@UseInterceptors(TimingInterceptor)
@UseFilters(ChatErrorFilter)
export class ChatGateway implements OnGatewayDisconnect<ChatData> {
  constructor(private readonly rooms: Rooms) {}

  @OnMessage('join')
  async join(@MessageBody() { room, name }: JoinDto, @ConnectedSocket() client: WsConnection<ChatData>) {
    client.data.name = name;
    // Presence lives in the adapter, so with REDIS_URL the member list spans every instance.
    await this.rooms.join(client, chatRoom(room), { presence: { name } });
    await this.rooms.to(chatRoom(room)).send('joined', { room, name });
    const members = (await this.rooms.presence(chatRoom(room))).map(({ meta }) => String(meta.name));
    return { room, members };
  }

  @OnMessage('leave')
  async leave(@MessageBody() { room }: LeaveDto, @ConnectedSocket() client: WsConnection<ChatData>) {
    await this.assertMember(client, room);
    await this.rooms.leave(client, chatRoom(room));
    await this.rooms.to(chatRoom(room)).send('left', { room, name: client.data.name });
    return { room };
  }

  @OnMessage('say')
  async say(@MessageBody() { room, text }: SayDto, @ConnectedSocket() client: WsConnection<ChatData>): Promise<void> {
    await this.assertMember(client, room);
    await this.rooms.to(chatRoom(room)).send('said', { room, from: client.data.name, text, at: new Date().toISOString() });
  }

  /** Presence: the rooms still hold the connection here, so the others hear who left. */
  async handleDisconnect(client: WsConnection<ChatData>): Promise<void> {
    for (const libraryRoom of await this.rooms.roomsOf(client)) {
      const room = chatRoomOf(libraryRoom);
      if (room !== undefined) await this.rooms.to(libraryRoom).except(client).send('left', { room, name: client.data.name });
    }
  }

  private async assertMember(client: WsConnection, room: string): Promise<void> {
    if (!(await this.rooms.roomsOf(client)).includes(chatRoom(room))) throw new NotAMemberError(room);
  }
}
